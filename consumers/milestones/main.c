/*
 * lgx-milestones: applies carrier tracking milestones to Odoo pickings.
 *
 * For each CarrierMilestone event (key tracking_ref): find the pickings
 * with that carrier_tracking_ref, check the rules (source, time, the
 * shipment status: before dispatch the milestone waits for the label and
 * dispatch, a cancelled shipment refuses it), drop milestones not newer
 * than the one the picking holds, then record the milestone, its time and
 * the ETA on the pickings, post a chatter note, and on EXCEPTION or
 * DELIVERY_ATTEMPTED schedule an activity for customer service.
 */
#include <stddef.h>

#include "lgx_consumer.h"
#include "lgx_stock.h"
#include "milestones.h"

static milestones_conf_t conf;

static const char *const requires[] = {LGX_STOCK_REQUIRES,
                                       "stock.picking.x_lgx_milestone",
                                       "stock.picking.x_lgx_eta", NULL};

static const lgx_consumer_spec_t spec = {
    .program = "lgx-milestones",
    .default_topic = "lgx.milestones",
    .schema = "lgx.milestones.CarrierMilestone",
    .summary = "Applies carrier tracking milestones (topic "
               "lgx.milestones, schema lgx.milestones.CarrierMilestone) "
               "to Odoo pickings.",
    .opts = milestones_opts,
    .conf = &conf,
    .requires = requires,
    .event_types = LGX_EVENT_TYPES("carrier_milestone"),
    .init = lgx_stock_state_init,
    .term = lgx_stock_state_term,
    .handle = milestones_handle,
    .handle_batch = milestones_handle_batch,
};

int main(int argc, char **argv)
{
    return lgx_consumer_main(&spec, argc, argv);
}
