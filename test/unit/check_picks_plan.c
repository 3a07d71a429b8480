/*
 * Unit tests for picks_plan: from a pick confirmation's lines and the
 * picking's moves as Odoo has them, the move quantities to write.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "picks/picks_plan.h"

/* lgx wrote 3 on move 100; a person made it 4; the pick says 5. */
START_TEST(test_edits_found_over_a_persons_change)
{
    picks_move_t moves[] = {{100, 10, 4.0, true, PICKS_TRACK_NONE, 8, 1, 3.0},
                            {101, 11, 2.0, true, PICKS_TRACK_NONE, 8, 1, 2.0},
                            {102, 12, 0.0, false, PICKS_TRACK_NONE, 8, 1, 0}};
    picks_write_t w[] = {{100, 5.0}, {101, 6.0}, {102, 1.0}};
    picks_edit_t e[3];
    ck_assert_uint_eq(picks_plan_edits(w, 3, moves, 3, e), 1);
    ck_assert_int_eq(e[0].move_id, 100);
    ck_assert(e[0].lgx_qty == 3.0 && e[0].odoo_qty == 4.0 &&
              e[0].event_qty == 5.0);
}
END_TEST

/* No conflict: lgx never wrote the move, the person's figure is the
 * pick's, or the move holds what lgx wrote (float noise aside). */
START_TEST(test_edits_none_without_a_change)
{
    picks_move_t moves[] = {
        {100, 10, 4.0, true, PICKS_TRACK_NONE, 8, 1, 0},
        {101, 11, 4.0, true, PICKS_TRACK_NONE, 8, 1, 3.0},
        {102, 12, 0.30000000000000004, true, PICKS_TRACK_NONE, 8, 1, 0.3}};
    picks_write_t w[] = {{100, 5.0}, {101, 4.0}, {102, 1.0}};
    picks_edit_t e[3];
    ck_assert_uint_eq(picks_plan_edits(w, 3, moves, 3, e), 0);
    ck_assert_uint_eq(picks_plan_edits(w, 0, moves, 3, e), 0);
}
END_TEST

Suite *picks_plan_suite(void);

/* The catalogue: default_code -> product id. */
static const picks_product_t products[] = {
    {10, "FURN_7777"},
    {11, "E-COM11"},
    {12, "DESK_0001"},
    {13, "NOT_IN_PICKING"},
};
#define N_PRODUCTS (sizeof(products) / sizeof(products[0]))

#define MAX_MOVES 8

static picks_write_t out[MAX_MOVES];
static size_t n_out;
static char reason[64];
static char msg[256];

static void setup(void)
{
    memset(out, 0, sizeof(out));
    n_out = 999;
    memset(reason, 0, sizeof(reason));
    memset(msg, 0, sizeof(msg));
}

static lgx_err_t plan(const picks_line_t *lines, size_t n_lines,
                      const picks_move_t *moves, size_t n_moves)
{
    ck_assert_uint_le(n_moves, MAX_MOVES);
    return picks_plan(lines, n_lines, moves, n_moves, products, N_PRODUCTS, out,
                      &n_out, reason, sizeof(reason), msg, sizeof(msg));
}

/* Three moves, none picked yet. */
static const picks_move_t fresh_moves[] = {
    {100, 10, 0.0, false, PICKS_TRACK_NONE, 8, 1, 0},
    {101, 11, 0.0, false, PICKS_TRACK_NONE, 8, 1, 0},
    {102, 12, 0.0, false, PICKS_TRACK_NONE, 8, 1, 0},
};

/* ---- core ---- */

START_TEST(test_plan_one_line)
{
    const picks_line_t lines[] = {{"FURN_7777", 3.0, NULL}};
    ck_assert_int_eq(plan(lines, 1, fresh_moves, 3), LGX_OK);
    ck_assert_uint_eq(n_out, 1);
    ck_assert_int_eq(out[0].move_id, 100);
    ck_assert_double_eq(out[0].qty, 3.0);
}
END_TEST

START_TEST(test_plan_sums_lines_of_one_product)
{
    /* Two lots of the same product: one write with the total. */
    const picks_line_t lines[] = {{"FURN_7777", 2.0, NULL},
                                  {"E-COM11", 1.0, NULL},
                                  {"FURN_7777", 1.5, NULL}};
    ck_assert_int_eq(plan(lines, 3, fresh_moves, 3), LGX_OK);
    ck_assert_uint_eq(n_out, 2);
    ck_assert_int_eq(out[0].move_id, 101);
    ck_assert_double_eq(out[0].qty, 1.0);
    ck_assert_int_eq(out[1].move_id, 100);
    ck_assert_double_eq(out[1].qty, 3.5);
}
END_TEST

START_TEST(test_plan_sorted_by_quantity)
{
    const picks_line_t lines[] = {{"DESK_0001", 7.0, NULL},
                                  {"FURN_7777", 5.0, NULL},
                                  {"E-COM11", 2.0, NULL}};
    ck_assert_int_eq(plan(lines, 3, fresh_moves, 3), LGX_OK);
    ck_assert_uint_eq(n_out, 3);
    ck_assert_double_eq(out[0].qty, 2.0);
    ck_assert_int_eq(out[0].move_id, 101);
    ck_assert_double_eq(out[1].qty, 5.0);
    ck_assert_int_eq(out[1].move_id, 100);
    ck_assert_double_eq(out[2].qty, 7.0);
    ck_assert_int_eq(out[2].move_id, 102);
}
END_TEST

START_TEST(test_plan_equal_writes_adjacent)
{
    /* Equal quantities are adjacent (one write call for all of them),
     * whatever the order of the lines. */
    const picks_line_t lines[] = {{"E-COM11", 4.0, NULL},
                                  {"DESK_0001", 1.0, NULL},
                                  {"FURN_7777", 4.0, NULL}};
    ck_assert_int_eq(plan(lines, 3, fresh_moves, 3), LGX_OK);
    ck_assert_uint_eq(n_out, 3);
    ck_assert_double_eq(out[0].qty, 1.0);
    ck_assert_double_eq(out[1].qty, 4.0);
    ck_assert_double_eq(out[2].qty, 4.0);
    ck_assert_int_eq(out[1].move_id, 100);
    ck_assert_int_eq(out[2].move_id, 101);
}
END_TEST

START_TEST(test_plan_first_move_of_product)
{
    /* Two moves for one product: the total goes to the first. */
    const picks_move_t moves[] = {
        {200, 11, 0.0, false, PICKS_TRACK_NONE, 8, 1, 0},
        {201, 10, 0.0, false, PICKS_TRACK_NONE, 8, 1, 0},
        {202, 10, 0.0, false, PICKS_TRACK_NONE, 8, 1, 0}};
    const picks_line_t lines[] = {{"FURN_7777", 1.0, NULL},
                                  {"FURN_7777", 1.0, NULL}};
    ck_assert_int_eq(plan(lines, 2, moves, 3), LGX_OK);
    ck_assert_uint_eq(n_out, 1);
    ck_assert_int_eq(out[0].move_id, 201);
    ck_assert_double_eq(out[0].qty, 2.0);
}
END_TEST

START_TEST(test_plan_replay_costs_no_write)
{
    /* Already picked with the same quantity: left out. */
    const picks_move_t moves[] = {
        {100, 10, 3.0, true, PICKS_TRACK_NONE, 8, 1, 0},
        {101, 11, 1.0, true, PICKS_TRACK_NONE, 8, 1, 0},
        {102, 12, 0.0, false, PICKS_TRACK_NONE, 8, 1, 0}};
    const picks_line_t lines[] = {{"FURN_7777", 3.0, NULL},
                                  {"E-COM11", 1.0, NULL}};
    ck_assert_int_eq(plan(lines, 2, moves, 3), LGX_OK);
    ck_assert_uint_eq(n_out, 0);
}
END_TEST

START_TEST(test_plan_replay_float_sum)
{
    /* 0.1 + 0.2 is not 0.3 in binary, but is the same quantity. */
    const picks_move_t moves[] = {
        {100, 10, 0.3, true, PICKS_TRACK_NONE, 8, 1, 0}};
    const picks_line_t lines[] = {{"FURN_7777", 0.1, NULL},
                                  {"FURN_7777", 0.2, NULL}};
    ck_assert_int_eq(plan(lines, 2, moves, 1), LGX_OK);
    ck_assert_uint_eq(n_out, 0);
}
END_TEST

START_TEST(test_plan_picked_other_quantity_written)
{
    const picks_move_t moves[] = {
        {100, 10, 2.0, true, PICKS_TRACK_NONE, 8, 1, 0},
        {101, 11, 1.0, true, PICKS_TRACK_NONE, 8, 1, 0}};
    const picks_line_t lines[] = {{"FURN_7777", 3.0, NULL},
                                  {"E-COM11", 1.0, NULL}};
    ck_assert_int_eq(plan(lines, 2, moves, 2), LGX_OK);
    ck_assert_uint_eq(n_out, 1);
    ck_assert_int_eq(out[0].move_id, 100);
    ck_assert_double_eq(out[0].qty, 3.0);
}
END_TEST

START_TEST(test_plan_same_quantity_not_picked_written)
{
    /* The quantity is there (reserved) but not marked picked: the write
     * still has to happen, to set picked. */
    const picks_move_t moves[] = {
        {100, 10, 3.0, false, PICKS_TRACK_NONE, 8, 1, 0}};
    const picks_line_t lines[] = {{"FURN_7777", 3.0, NULL}};
    ck_assert_int_eq(plan(lines, 1, moves, 1), LGX_OK);
    ck_assert_uint_eq(n_out, 1);
    ck_assert_int_eq(out[0].move_id, 100);
    ck_assert_double_eq(out[0].qty, 3.0);
}
END_TEST

START_TEST(test_plan_untouched_moves_left_alone)
{
    const picks_line_t lines[] = {{"E-COM11", 1.0, NULL}};
    ck_assert_int_eq(plan(lines, 1, fresh_moves, 3), LGX_OK);
    ck_assert_uint_eq(n_out, 1);
    ck_assert_int_eq(out[0].move_id, 101);
}
END_TEST

START_TEST(test_plan_no_lines)
{
    ck_assert_int_eq(plan(NULL, 0, fresh_moves, 3), LGX_OK);
    ck_assert_uint_eq(n_out, 0);
}
END_TEST

START_TEST(test_plan_zero_quantity)
{
    /* Nothing found on the shelf is a valid pick of 0. */
    const picks_line_t lines[] = {{"FURN_7777", 0.0, NULL}};
    ck_assert_int_eq(plan(lines, 1, fresh_moves, 3), LGX_OK);
    ck_assert_uint_eq(n_out, 1);
    ck_assert_double_eq(out[0].qty, 0.0);
}
END_TEST

START_TEST(test_state_released)
{
    ck_assert(picks_state_released("assigned"));
    ck_assert(picks_state_released("confirmed"));
    ck_assert(picks_state_released("waiting"));
    /* Never released, cancelled, or already shipped. */
    ck_assert(!picks_state_released("draft"));
    ck_assert(!picks_state_released("cancel"));
    ck_assert(!picks_state_released("done"));
    ck_assert(!picks_state_released(NULL));
    ck_assert(!picks_state_released(""));
    ck_assert(!picks_state_released("ASSIGNED"));
    ck_assert(!picks_state_released("assigned "));
    ck_assert(!picks_state_released("partially_available"));
}
END_TEST

/* ---- errors ---- */

START_TEST(test_plan_unknown_product)
{
    const picks_line_t lines[] = {{"FURN_7777", 1.0, NULL},
                                  {"GHOST-1", 1.0, NULL}};
    ck_assert_int_eq(plan(lines, 2, fresh_moves, 3), LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "unknown_product");
    ck_assert_ptr_nonnull(strstr(msg, "GHOST-1"));
}
END_TEST

START_TEST(test_plan_product_not_in_picking)
{
    const picks_line_t lines[] = {{"NOT_IN_PICKING", 1.0, NULL}};
    ck_assert_int_eq(plan(lines, 1, fresh_moves, 3), LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "product_not_in_picking");
    ck_assert_ptr_nonnull(strstr(msg, "NOT_IN_PICKING"));
}
END_TEST

START_TEST(test_plan_no_moves)
{
    const picks_line_t lines[] = {{"FURN_7777", 1.0, NULL}};
    ck_assert_int_eq(plan(lines, 1, NULL, 0), LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "product_not_in_picking");
}
END_TEST

START_TEST(test_plan_negative_quantity)
{
    const picks_line_t lines[] = {{"FURN_7777", 1.0, NULL},
                                  {"E-COM11", -1.0, NULL}};
    ck_assert_int_eq(plan(lines, 2, fresh_moves, 3), LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "invalid_field");
    ck_assert_ptr_nonnull(strstr(msg, "line 2"));
}
END_TEST

START_TEST(test_plan_nan_and_infinite_quantity)
{
    const picks_line_t nan_line[] = {{"FURN_7777", NAN, NULL}};
    ck_assert_int_eq(plan(nan_line, 1, fresh_moves, 3), LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "invalid_field");
    ck_assert_ptr_nonnull(strstr(msg, "line 1"));

    memset(reason, 0, sizeof(reason));
    const picks_line_t inf_line[] = {{"FURN_7777", INFINITY, NULL}};
    ck_assert_int_eq(plan(inf_line, 1, fresh_moves, 3), LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "invalid_field");

    memset(reason, 0, sizeof(reason));
    const picks_line_t ninf_line[] = {{"FURN_7777", -INFINITY, NULL}};
    ck_assert_int_eq(plan(ninf_line, 1, fresh_moves, 3), LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "invalid_field");
}
END_TEST

START_TEST(test_plan_missing_code)
{
    const picks_line_t empty[] = {{"", 1.0, NULL}};
    ck_assert_int_eq(plan(empty, 1, fresh_moves, 3), LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "invalid_field");

    memset(reason, 0, sizeof(reason));
    const picks_line_t null_code[] = {{NULL, 1.0, NULL}};
    ck_assert_int_eq(plan(null_code, 1, fresh_moves, 3), LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "invalid_field");
}
END_TEST

START_TEST(test_plan_first_bad_line_reported)
{
    /* The first line at fault decides the reason. */
    const picks_line_t lines[] = {{"FURN_7777", 1.0, NULL},
                                  {"GHOST-1", 1.0, NULL},
                                  {"E-COM11", -2.0, NULL}};
    ck_assert_int_eq(plan(lines, 3, fresh_moves, 3), LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "unknown_product");
    ck_assert_ptr_nonnull(strstr(msg, "GHOST-1"));
}
END_TEST

/* ---- limits ---- */

START_TEST(test_plan_small_reason_buffer)
{
    const picks_line_t lines[] = {{"GHOST-1", 1.0, NULL}};
    char r[4];
    char m[8];
    memset(r, 'x', sizeof(r));
    memset(m, 'x', sizeof(m));
    ck_assert_int_eq(picks_plan(lines, 1, fresh_moves, 3, products, N_PRODUCTS,
                                out, &n_out, r, sizeof(r), m, sizeof(m)),
                     LGX_ERR_INVALID);
    ck_assert_str_eq(r, "unk");
    ck_assert_uint_eq(strlen(m), sizeof(m) - 1);
}
END_TEST

START_TEST(test_plan_every_move_written)
{
    /* out has room for n_moves entries; all of them may be used. */
    picks_move_t moves[MAX_MOVES];
    picks_line_t lines[2 * MAX_MOVES];
    picks_product_t prods[MAX_MOVES];
    static const char *codes[MAX_MOVES] = {"A", "B", "C", "D",
                                           "E", "F", "G", "H"};
    for (size_t i = 0; i < MAX_MOVES; i++) {
        prods[i] = (picks_product_t){(int64_t)(50 + i), codes[i]};
        moves[i] = (picks_move_t){(int64_t)(500 + i),
                                  (int64_t)(50 + i),
                                  0.0,
                                  false,
                                  PICKS_TRACK_NONE,
                                  8,
                                  1,
                                  0};
        lines[2 * i] = (picks_line_t){codes[i], (double)(MAX_MOVES - i), NULL};
        lines[2 * i + 1] = (picks_line_t){codes[i], 0.5, NULL};
    }
    ck_assert_int_eq(picks_plan(lines, 2 * MAX_MOVES, moves, MAX_MOVES, prods,
                                MAX_MOVES, out, &n_out, reason, sizeof(reason),
                                msg, sizeof(msg)),
                     LGX_OK);
    ck_assert_uint_eq(n_out, MAX_MOVES);
    for (size_t i = 0; i < MAX_MOVES; i++) {
        ck_assert_double_eq(out[i].qty, (double)(i + 1) + 0.5);
        ck_assert_int_eq(out[i].move_id, 500 + (int64_t)(MAX_MOVES - 1 - i));
    }
}
END_TEST

START_TEST(test_plan_large_quantities)
{
    const picks_line_t lines[] = {{"FURN_7777", 1e12, NULL},
                                  {"FURN_7777", 1e-6, NULL}};
    ck_assert_int_eq(plan(lines, 2, fresh_moves, 3), LGX_OK);
    ck_assert_uint_eq(n_out, 1);
    ck_assert_double_eq_tol(out[0].qty, 1e12 + 1e-6, 1e-3);
}
END_TEST

/* ---- lots ---- */

/* Move 100 of product 10 tracked by lot, 101 of 11 by serial, 102 of 12
 * untracked; Odoo reserved lot 1 (L-1) for 5 on move 100. */
static const picks_move_t lot_moves[] = {
    {100, 10, 5.0, false, PICKS_TRACK_LOT, 8, 1, 0},
    {101, 11, 0.0, false, PICKS_TRACK_SERIAL, 8, 1, 0},
    {102, 12, 0.0, false, PICKS_TRACK_NONE, 8, 1, 0},
};
static const picks_lot_t lots[] = {
    {1, 10, "L-1"}, {2, 10, "L-2"}, {3, 11, "S-1"},
    {4, 11, "S-2"}, {5, 11, "L-1"}, /* another product's lot of the same name */
};
static const picks_mline_t reserved[] = {{900, 100, 1, 5.0, false}};

static picks_new_line_t l_create[8];
static int64_t l_unlink[8];
static size_t l_missing[8];

static lgx_err_t plan_lots(const picks_line_t *lines, const int64_t *pids,
                           size_t n, const picks_mline_t *ml, size_t n_ml,
                           picks_lots_t *out_lots)
{
    *out_lots = (picks_lots_t){l_create, 0, l_unlink, 0, l_missing, 0, 0, 0};
    return picks_plan_lots(lines, pids, n, lot_moves, 3, ml, n_ml, lots, 5,
                           out_lots, reason, sizeof(reason), msg, sizeof(msg));
}

START_TEST(test_lots_replace_the_reserved_lot)
{
    const picks_line_t lines[] = {{"FURN_7777", 2.0, "L-1"},
                                  {"FURN_7777", 3.0, "L-2"}};
    const int64_t pids[] = {10, 10};
    picks_lots_t l;
    ck_assert_int_eq(plan_lots(lines, pids, 2, reserved, 1, &l), LGX_OK);
    ck_assert_uint_eq(l.n_unlink, 1);
    ck_assert_int_eq(l.unlink[0], 900);
    ck_assert_uint_eq(l.n_create, 2);
    ck_assert_int_eq(l.create[0].lot_id, 1);
    ck_assert_double_eq(l.create[0].qty, 2.0);
    ck_assert_int_eq(l.create[1].lot_id, 2);
    ck_assert_int_eq(l.create[1].move_id, 100);
    ck_assert_int_eq(l.create[1].product_id, 10);
}
END_TEST

START_TEST(test_lots_replay_costs_nothing)
{
    const picks_line_t lines[] = {{"FURN_7777", 2.0, "L-1"},
                                  {"FURN_7777", 3.0, "L-2"}};
    const int64_t pids[] = {10, 10};
    const picks_mline_t done[] = {{901, 100, 2, 3.0, true},
                                  {902, 100, 1, 2.0, true}};
    picks_lots_t l;
    ck_assert_int_eq(plan_lots(lines, pids, 2, done, 2, &l), LGX_OK);
    ck_assert_uint_eq(l.n_unlink, 0);
    ck_assert_uint_eq(l.n_create, 0);
}
END_TEST

START_TEST(test_lots_serials_one_line_each)
{
    const picks_line_t lines[] = {{"E-COM11", 1.0, "S-1"},
                                  {"E-COM11", 1.0, "S-2"}};
    const int64_t pids[] = {11, 11};
    picks_lots_t l;
    ck_assert_int_eq(plan_lots(lines, pids, 2, NULL, 0, &l), LGX_OK);
    ck_assert_uint_eq(l.n_create, 2);
    ck_assert_double_eq(l.create[0].qty, 1.0);
    ck_assert_double_eq(l.create[1].qty, 1.0);
    ck_assert_int_eq(l.create[0].lot_id, 3);
    ck_assert_int_eq(l.create[1].lot_id, 4);
}
END_TEST

START_TEST(test_lots_serial_twice_refused)
{
    const picks_line_t lines[] = {{"E-COM11", 1.0, "S-1"},
                                  {"E-COM11", 1.0, "S-1"}};
    const int64_t pids[] = {11, 11};
    picks_lots_t l;
    ck_assert_int_eq(plan_lots(lines, pids, 2, NULL, 0, &l), LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "invalid_field");
    ck_assert_ptr_nonnull(strstr(msg, "S-1"));
}
END_TEST

START_TEST(test_lots_line_without_lot_refused)
{
    const picks_line_t lines[] = {{"FURN_7777", 2.0, NULL}};
    const int64_t pids[] = {10};
    picks_lots_t l;
    ck_assert_int_eq(plan_lots(lines, pids, 1, reserved, 1, &l),
                     LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "lot_required");
    ck_assert_ptr_nonnull(strstr(msg, "FURN_7777"));
}
END_TEST

START_TEST(test_lots_unknown_lot_by_product)
{
    /* S-1 is product 11's: for product 10 it is unknown, once. */
    const picks_line_t lines[] = {{"FURN_7777", 2.0, "S-1"},
                                  {"FURN_7777", 1.0, "S-1"},
                                  {"FURN_7777", 1.0, "L-2"}};
    const int64_t pids[] = {10, 10, 10};
    picks_lots_t l;
    ck_assert_int_eq(plan_lots(lines, pids, 3, reserved, 1, &l),
                     LGX_ERR_NOT_FOUND);
    ck_assert_str_eq(reason, "unknown_lot");
    ck_assert_uint_eq(l.n_missing, 1);
    ck_assert_uint_eq(l.missing[0], 0);
    ck_assert_ptr_nonnull(strstr(msg, "lot S-1 of product FURN_7777"));
    ck_assert_uint_eq(l.n_unlink, 0);
}
END_TEST

START_TEST(test_lots_untracked_lot_ignored)
{
    const picks_line_t lines[] = {{"DESK_0001", 2.0, "X-1"}};
    const int64_t pids[] = {12};
    picks_lots_t l;
    ck_assert_int_eq(plan_lots(lines, pids, 1, reserved, 1, &l), LGX_OK);
    ck_assert_uint_eq(l.ignored, 1);
    ck_assert_uint_eq(l.first_ignored, 0);
    ck_assert_uint_eq(l.n_create + l.n_unlink, 0);
}
END_TEST

START_TEST(test_lots_tracked_moves_not_written_by_plan)
{
    /* picks_plan leaves the quantities of tracked moves to their lines. */
    const picks_line_t lines[] = {{"FURN_7777", 2.0, "L-1"},
                                  {"DESK_0001", 1.0, NULL}};
    ck_assert_int_eq(plan(lines, 2, lot_moves, 3), LGX_OK);
    ck_assert_uint_eq(n_out, 1);
    ck_assert_int_eq(out[0].move_id, 102);
}
END_TEST

/* ---- shortages ---- */

START_TEST(test_shortage_none_within_reservation_nor_unknown)
{
    /* Move 100 reserved 5 of lot L-1: a pick of 5 of it reads nothing;
     * nor do a lot Odoo lacks (refused before) and a line of 0. */
    const picks_line_t within[] = {{"A", 5, "L-1"}, {"C", 0, NULL}};
    const picks_line_t unknown[] = {{"A", 2, "NOPE"}, {"C", 0, NULL}};
    const picks_line_t *cases[] = {within, unknown};
    const int64_t pids[] = {10, 12};
    picks_short_t s[2];
    for (size_t i = 0; i < 2; i++) {
        ck_assert_uint_eq(picks_plan_shortage(cases[i], pids, 2, lot_moves, 3,
                                              reserved, 1, lots, 5, NULL, 0, s),
                          0);
    }
}
END_TEST

START_TEST(test_shortage_candidates_then_free_stock)
{
    /* 7 of L-1 (5 reserved), 3 of L-2 (none), 10 of the untracked 12
     * (none reserved, two lines): candidates first. */
    const picks_line_t lines[] = {
        {"A", 7, "L-1"}, {"A", 3, "L-2"}, {"C", 6, NULL}, {"C", 4, NULL}};
    const int64_t pids[] = {10, 10, 12, 12};
    picks_short_t s[4];
    size_t n = picks_plan_shortage(lines, pids, 4, lot_moves, 3, reserved, 1,
                                   lots, 5, NULL, 0, s);
    ck_assert_uint_eq(n, 3);
    ck_assert_double_eq(s[0].picked, 7);
    ck_assert_double_eq(s[0].available, 5);
    ck_assert_int_eq(s[0].lot_id, 1);
    ck_assert_int_eq(s[2].product_id, 12);
    ck_assert_double_eq(s[2].picked, 10);
    ck_assert_uint_eq(s[2].line, 2);
    ck_assert_int_eq(s[2].location_id, 8);
    /* Free: 2 of L-1, 1 of L-2, and of 12 6 in one quant and -1 in
     * another (never below zero in all); another location's stock does
     * not count. */
    const picks_free_t f[] = {{8, 10, 1, 2},
                              {8, 10, 2, 1},
                              {8, 12, 0, 6},
                              {8, 12, 0, -1},
                              {9, 12, 0, 50}};
    n = picks_plan_shortage(lines, pids, 4, lot_moves, 3, reserved, 1, lots, 5,
                            f, 5, s);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(s[0].lot_id, 2);
    ck_assert_double_eq(s[0].available, 1);
    ck_assert_double_eq(s[1].available, 5);
    ck_assert_double_eq(s[1].picked, 10);
}
END_TEST

/* ---- units ---- */

/* Units 1 (reference), Dozens 12 and a Box of 12 in family 1, kg in 2. */
static const picks_unit_t units[] = {{1, "Units", 1, 1},
                                     {2, "Dozens", 12, 1},
                                     {3, "Box of 12", 12, 1},
                                     {4, "kg", 1, 2},
                                     {5, "g", 0.001, 2}};

START_TEST(test_units_convert_into_the_move_unit)
{
    /* Moves 100..102 are in Units (uom 1); move 103 of product 13 in
     * Dozens. */
    picks_move_t moves[4];
    memcpy(moves, fresh_moves, sizeof(fresh_moves));
    moves[3] = (picks_move_t){103, 13, 0, false, PICKS_TRACK_NONE, 8, 2, 0};
    picks_line_t lines[] = {
        {"A", 2, NULL}, {"B", 5, NULL}, {"C", 7, NULL}, {"D", 30, NULL}};
    const int64_t pids[] = {10, 11, 12, 13};
    const char *in[] = {"Box of 12", NULL, "Dozens", "Units"};
    ck_assert_int_eq(picks_plan_units(lines, pids, in, 4, moves, 4, units, 5,
                                      reason, sizeof(reason), msg, sizeof(msg)),
                     LGX_OK);
    ck_assert_double_eq(lines[0].qty, 24);
    ck_assert_double_eq(lines[1].qty, 5);
    ck_assert_double_eq(lines[2].qty, 84);
    ck_assert_double_eq(lines[3].qty, 2.5);
}
END_TEST

START_TEST(test_units_that_do_not_convert_are_refused)
{
    picks_line_t lines[] = {{"A", 2, NULL}};
    const int64_t pids[] = {10};
    const char *kg[] = {"kg"}, *none[] = {"Crate"};
    ck_assert_int_eq(picks_plan_units(lines, pids, kg, 1, fresh_moves, 3, units,
                                      5, reason, sizeof(reason), msg,
                                      sizeof(msg)),
                     LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "unit_mismatch");
    ck_assert_msg(strstr(msg, "A is counted in kg, its move in Units") != NULL,
                  "%s", msg);
    ck_assert_double_eq(lines[0].qty, 2);
    ck_assert_int_eq(picks_plan_units(lines, pids, none, 1, fresh_moves, 3,
                                      units, 5, reason, sizeof(reason), msg,
                                      sizeof(msg)),
                     LGX_ERR_INVALID);
    ck_assert_str_eq(reason, "unknown_unit");
    ck_assert_msg(strstr(msg, "Crate") != NULL, "%s", msg);
}
END_TEST

Suite *picks_plan_suite(void)
{
    Suite *s = suite_create("picks_plan");

    TCase *tc_core = tcase_create("core");
    tcase_add_checked_fixture(tc_core, setup, NULL);
    tcase_add_test(tc_core, test_edits_found_over_a_persons_change);
    tcase_add_test(tc_core, test_edits_none_without_a_change);
    tcase_add_test(tc_core, test_plan_one_line);
    tcase_add_test(tc_core, test_plan_sums_lines_of_one_product);
    tcase_add_test(tc_core, test_plan_sorted_by_quantity);
    tcase_add_test(tc_core, test_plan_equal_writes_adjacent);
    tcase_add_test(tc_core, test_plan_first_move_of_product);
    tcase_add_test(tc_core, test_plan_replay_costs_no_write);
    tcase_add_test(tc_core, test_plan_replay_float_sum);
    tcase_add_test(tc_core, test_plan_picked_other_quantity_written);
    tcase_add_test(tc_core, test_plan_same_quantity_not_picked_written);
    tcase_add_test(tc_core, test_plan_untouched_moves_left_alone);
    tcase_add_test(tc_core, test_plan_no_lines);
    tcase_add_test(tc_core, test_plan_zero_quantity);
    tcase_add_test(tc_core, test_state_released);
    suite_add_tcase(s, tc_core);

    TCase *tc_errors = tcase_create("errors");
    tcase_add_checked_fixture(tc_errors, setup, NULL);
    tcase_add_test(tc_errors, test_plan_unknown_product);
    tcase_add_test(tc_errors, test_plan_product_not_in_picking);
    tcase_add_test(tc_errors, test_plan_no_moves);
    tcase_add_test(tc_errors, test_plan_negative_quantity);
    tcase_add_test(tc_errors, test_plan_nan_and_infinite_quantity);
    tcase_add_test(tc_errors, test_plan_missing_code);
    tcase_add_test(tc_errors, test_plan_first_bad_line_reported);
    suite_add_tcase(s, tc_errors);

    TCase *tc_limits = tcase_create("limits");
    tcase_add_checked_fixture(tc_limits, setup, NULL);
    tcase_add_test(tc_limits, test_plan_small_reason_buffer);
    tcase_add_test(tc_limits, test_plan_every_move_written);
    tcase_add_test(tc_limits, test_plan_large_quantities);
    suite_add_tcase(s, tc_limits);

    TCase *tc_lots = tcase_create("lots");
    tcase_add_checked_fixture(tc_lots, setup, NULL);
    tcase_add_test(tc_lots, test_lots_replace_the_reserved_lot);
    tcase_add_test(tc_lots, test_lots_replay_costs_nothing);
    tcase_add_test(tc_lots, test_lots_serials_one_line_each);
    tcase_add_test(tc_lots, test_lots_serial_twice_refused);
    tcase_add_test(tc_lots, test_lots_line_without_lot_refused);
    tcase_add_test(tc_lots, test_lots_unknown_lot_by_product);
    tcase_add_test(tc_lots, test_lots_untracked_lot_ignored);
    tcase_add_test(tc_lots, test_lots_tracked_moves_not_written_by_plan);
    suite_add_tcase(s, tc_lots);

    TCase *tc_short = tcase_create("shortage");
    tcase_add_checked_fixture(tc_short, setup, NULL);
    tcase_add_test(tc_short, test_shortage_none_within_reservation_nor_unknown);
    tcase_add_test(tc_short, test_shortage_candidates_then_free_stock);
    tcase_add_test(tc_short, test_units_convert_into_the_move_unit);
    tcase_add_test(tc_short, test_units_that_do_not_convert_are_refused);
    suite_add_tcase(s, tc_short);

    return s;
}
