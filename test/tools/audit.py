"""Audits of what the lgx consumers made of a stream from lgx-simulate.

Shared by test/tools/demo.py, test/integration/test_it_simulate.py and test/tools/chaos.py (the
stream under kills, a broker restart, an Odoo outage and injected
faults). Nothing here assumes an order between the topics: the four
consumers run at once, any of them late, and what lgx-simulate expects
holds for every interleaving (only whether an event is held first
depends on it: a range). Standard library only; nothing here asserts:
each check returns its figures and a list of problems (empty when all is
as expected), so a unittest can assert on them and chaos.py and the demo
can report them.

What is expected comes from two files lgx-simulate writes for one seed:
--expected (the final state per picking, what its pick reported, the
outcome of every event, the poison messages) and the events themselves
(--log-events while publishing, or --output of a dry run, as JSON lines:
what each event carries, e.g. whether a label has a document or a proof
of delivery a damaged line).

What is found is read from Odoo over its API (read_odoo, stock_snapshot:
search_read of the run's pickings, their moves, chatter messages,
attachments and activities, and the stock of the run's products), so the
same audit runs against a real Odoo and against the simulator; the
simulator's dumps and call log add what an API cannot show (a picking
validated twice).
"""
import collections
import json
import os
import re
import subprocess

# lgx_dedup_hash (common/lgx_dedup.c): 64-bit FNV-1a, never 0.
_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211

DLQ_HEADERS = ("lgx.dlq.reason", "lgx.sim.poison", "lgx.dlq.topic",
               "lgx.dlq.partition", "lgx.dlq.offset", "lgx.dlq.program")
# A poison message that cannot be decoded has no event id to log.
UNREADABLE = ("malformed_avro", "unknown_schema")


def note_mark(event_id):
    """The mark lgx puts in a chatter note it posts for an event
    (lgx_stock_note): "[lgx:<FNV-1a of the event id, 16 hex digits>]"."""
    h = _FNV_OFFSET
    for b in event_id.encode("utf-8"):
        h ^= b
        h = (h * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return "[lgx:%016x]" % (h or 1)


_MARK = re.compile(r"\[lgx:[0-9a-f]{16}\]")


def read_dead_letters(broker, topic, headers=DLQ_HEADERS, timeout=30):
    """The records of a dead-letter topic as dicts with partition, offset,
    key and the named headers (None when absent). The payload is left out:
    kcat -J copies bytes after a UTF-8 lead byte verbatim, so a truncated
    Avro body can break its JSON line (lgxenv.Broker.read)."""
    out = subprocess.run(
        ["kcat", "-b", broker.bootstrap, "-C", "-t", topic, "-o",
         "beginning", "-e", "-q", "-f", "%p\t%o\t%k\t%h<<lgx-end>>\n"],
        capture_output=True, timeout=timeout).stdout.decode(
            "utf-8", "replace")
    records = []
    for rec in out.split("<<lgx-end>>\n"):
        if not rec.strip():
            continue
        part, offset, key, hdrs = rec.split("\t", 3)

        def found(name):
            m = re.search(r"(?:^|,)%s=([^,]*)" % re.escape(name), hdrs)
            return m.group(1) if m else None
        records.append({"partition": int(part), "offset": int(offset),
                        "key": key,
                        "headers": {h: found(h) for h in headers}})
    return records


def _norm_outcomes(outs):
    """A consumer may tell a duplicate from a stale event either way; the
    rest must match exactly."""
    return sorted(("dup_or_stale" if o in ("duplicate", "stale") else o,
                   r if o not in ("duplicate", "stale") else "")
                  for o, r in outs)


def check_topic(exp, topic, summary, outcome_lines, dead_letters):
    """One consumer that read its topic once, to the end, after the topics
    it depends on (test_it_simulate): its summary line, its per-event
    outcome log lines and its dead letters against the expected file.
    Returns (figures, problems)."""
    want = exp["topics"][topic]
    problems = []
    s = summary
    got = {"applied": s["applied"],
           "duplicate_or_stale": s["duplicate"] + s["stale"],
           "rejected": s["rejected"], "held": s["held"]}
    for k, v in got.items():
        if k == "held":
            # Whether an event waits for another topic's depends on which
            # consumer got there first.
            lo, hi = want["held"], want.get("held_max", want["held"])
            if not lo <= v <= hi:
                problems.append("%s held: %s, expected %s to %s (%s)" % (
                    topic, v, lo, hi, s))
        elif v != want[k]:
            problems.append("%s %s: %s, expected %s (%s)" % (
                topic, k, v, want[k], s))
    if (s["retry"], s["fatal"]) != (0, 0):
        problems.append("%s: retry/fatal %s" % (topic, s))
    final = [l for l in outcome_lines if l["outcome"] != "held"]
    by_id = collections.defaultdict(list)
    for l in final:
        if l.get("event_id"):
            by_id[l["event_id"]].append((l["outcome"], l.get("reason") or ""))
    want_by_id = collections.defaultdict(list)
    loose = set()
    for e in exp["events"]:
        if (e["topic"] == topic and e["event_id"]
                and not (e["poison"] and e["reason"] in UNREADABLE)):
            want_by_id[e["event_id"]].append((e["outcome"], e["reason"] or ""))
            if e.get("order_dependent"):
                loose.add(e["event_id"])
    for eid in sorted(set(by_id) - set(want_by_id)):
        problems.append("%s event %s: logged, not in the stream" % (
            topic, eid))
    for eid, outs in want_by_id.items():
        if eid in loose:
            if len(by_id.get(eid, [])) != len(outs):
                problems.append("%s event %s: %d outcome(s), expected %d" % (
                    topic, eid, len(by_id.get(eid, [])), len(outs)))
            continue
        if _norm_outcomes(by_id.get(eid, [])) != _norm_outcomes(outs):
            problems.append("%s event %s: %s, expected %s" % (
                topic, eid, by_id.get(eid, []), outs))
    problems += check_discrepancies(exp, topic, final)
    # Dead letters: one per rejection, with the expected reasons; each
    # poison message exactly once.
    reasons = collections.Counter(d["headers"].get("lgx.dlq.reason")
                                  for d in dead_letters)
    if dict(reasons) != want["rejected_reasons"]:
        problems.append("%s dead-letter reasons: %s, expected %s" % (
            topic, dict(reasons), want["rejected_reasons"]))
    poison = [p for p in exp["poison"] if p["topic"] == topic]
    problems += check_poison(poison, dead_letters)
    return (dict(got, messages=want["messages"],
                 dead_letters=len(dead_letters), poison=len(poison)),
            problems)


def check_discrepancies(exp, topic, final_lines):
    """The outcome line of a pick the stream expects to be short of
    Odoo's stock carries "discrepancy":"shortage" (lgx-picks, whatever
    the policy did with it); one expected in no order of the picks does
    not. final_lines: the consumer's outcome lines other than held."""
    problems = []
    lines = collections.defaultdict(list)
    for l in final_lines:
        if l.get("event_id") and l["outcome"] not in ("duplicate", "stale"):
            lines[l["event_id"]].append(l)
    # One event id, one pick: a copy the stream repeats (a duplicate) has
    # the id of its original and expects no shortage of its own, so the
    # flags are those of all the messages with that id together.
    events = {}
    for e in exp["events"]:
        if e["topic"] != topic or e["poison"] or not e["event_id"]:
            continue
        first = events.setdefault(e["event_id"], dict(e))
        for flag in ("shortage", "may_shortage"):
            first[flag] = bool(first.get(flag) or e.get(flag))
    for e in events.values():
        said = [l.get("discrepancy") == "shortage"
                for l in lines.get(e["event_id"], [])
                if l["outcome"] == "applied" or l.get("reason") == "shortage"]
        if e.get("shortage") and said != [True]:
            problems.append("%s event %s (%s): expected one outcome line "
                            "saying shortage, found %s" % (
                                topic, e["event_id"], e["key"], said))
        elif not e.get("may_shortage") and any(said):
            problems.append("%s event %s (%s): a shortage the stream does "
                            "not expect" % (topic, e["event_id"], e["key"]))
    return problems


def check_poison(poison, dead_letters):
    """Each poison message (expected file's "poison") in the dead letters
    exactly once, with its reason and key."""
    problems = []
    found = collections.defaultdict(list)
    for d in dead_letters:
        if d["headers"].get("lgx.sim.poison"):
            found[d["headers"]["lgx.sim.poison"]].append(d)
    for p in poison:
        recs = found.get(p["id"], [])
        if len(recs) != 1:
            problems.append("poison %s (%s, %s): dead-lettered %d time(s)" % (
                p["id"], p["topic"], p["reason"], len(recs)))
        for rec in recs[:1]:
            if rec["headers"]["lgx.dlq.reason"] != p["reason"]:
                problems.append("poison %s: reason %s, expected %s" % (
                    p["id"], rec["headers"]["lgx.dlq.reason"], p["reason"]))
            if rec["key"] != p["key"]:
                problems.append("poison %s: key %s, expected %s" % (
                    p["id"], rec["key"], p["key"]))
    return problems


def check_pickings(exp, pickings, ran):
    """Every picking as expected, for what the consumers that ran write.
    pickings: name -> stock.picking record (a /__sim/dump row). Returns
    (fields checked, problems)."""
    checked, problems = 0, []
    for name, want in exp["pickings"].items():
        p = pickings.get(name)
        if p is None:
            problems.append("%s: no such picking" % name)
            continue
        status = want["x_lgx_shipment_status"]
        if "lgx-pod" not in ran and status == "delivered":
            status = "dispatched"
        pairs = [("state", p["state"], want["state"]),
                 ("carrier", (p["carrier_id"] or [0, None])[1],
                  want["carrier"]),
                 ("tracking_ref", p["carrier_tracking_ref"] or None,
                  want["tracking_ref"]),
                 ("shipment_id", p["x_lgx_shipment_ref"] or None,
                  want["shipment_id"]),
                 ("x_lgx_shipment_status",
                  p["x_lgx_shipment_status"] or None, status)]
        if "lgx-milestones" in ran:
            pairs += [("last_milestone", p["x_lgx_milestone"] or None,
                       want["last_milestone"]),
                      ("milestone_at", p["x_lgx_milestone_at"] or None,
                       want["milestone_at"])]
        if "lgx-pod" in ran:
            pairs += [("delivered", bool(p["x_lgx_delivered_at"]),
                       want["delivered"]),
                      ("delivered_at", p["x_lgx_delivered_at"] or None,
                       want["delivered_at"]),
                      ("receiver", p["x_lgx_receiver"] or None,
                       want["receiver"])]
        for field, got, wanted in pairs:
            if got != wanted:
                problems.append("%s %s: %r, expected %r" % (
                    name, field, got, wanted))
            checked += 1
        if not want["cancelled"] and want["carrier"] and not (
                p["carrier_id"] and p["carrier_tracking_ref"]):
            problems.append("%s: no carrier or tracking reference" % name)
    return checked, problems


def check_carriers(exp, stream, pickings, mapping=None, dead_letters=()):
    """Each picking a booking of the stream booked carries the carrier the
    rules' mapping makes of the booking's carrier code (mapping: {code:
    Odoo name} of the transport platform's section; None or a code it
    lacks: the code is the name), and each booking sent with a code the
    mapping lacks is dead-lettered once as unmapped_carrier (dead_letters:
    the records of lgx.shipments.dlq). pickings: name -> stock.picking
    row. Returns ({"booked": bookings checked, "codes": Counter(code),
    "unmapped": expected, "unmapped_dead": found}, problems)."""
    applied = {e["event_id"] for e in exp["events"]
               if e["topic"] == "lgx.shipments" and e["outcome"] == "applied"
               and e["type"] == "shipment_booked" and not e["poison"]}
    problems, codes, booked = [], collections.Counter(), 0
    for rec in stream:
        ev = rec.get("event") or {}
        if rec.get("poison") or ev.get("event_id") not in applied:
            continue
        applied.discard(ev["event_id"])    # its duplicates are not again
        _, body = next(iter((ev.get("payload") or {}).items()))
        code = body["carrier"]
        name = (mapping or {}).get(code, code)
        codes[code] += 1
        for n in body["picking_names"]:
            booked += 1
            got = (pickings.get(n, {}).get("carrier_id") or [0, None])[1]
            if got != name:
                problems.append("%s: carrier %r, the booking's code %s maps "
                                "to %r" % (n, got, code, name))
    want = sum(1 for e in exp["events"] if e["reason"] == "unmapped_carrier")
    dead = sum(1 for d in dead_letters
               if d["headers"].get("lgx.dlq.reason") == "unmapped_carrier")
    if dead != want:
        problems.append("%d booking(s) dead-lettered unmapped_carrier, the "
                        "stream has %d" % (dead, want))
    return {"booked": booked, "codes": codes, "unmapped": want,
            "unmapped_dead": dead}, problems


# ---- effects: chatter notes, attachments, activities, backorders ----

def _pickings_by(exp, field):
    out = collections.defaultdict(list)
    for name, p in exp["pickings"].items():
        if p.get(field):
            out[p[field]].append(name)
    return out


def expected_effects(exp, stream, demand=None):
    """What Odoo should hold per picking once every event is applied:
    {picking: {"notes": {mark: event id}, "attachments": {name: event id},
    "activities": {summary: event id}, "backorders": n}} (the event id of
    the first event that makes each). stream: the events
    as lgx-simulate --output writes them (dicts), in the same order as
    exp["events"]; demand: picking -> {product code: demanded quantity}
    (for backorders; none expected without it)."""
    by_ship = _pickings_by(exp, "shipment_id")
    by_ref = _pickings_by(exp, "tracking_ref")
    eff = {name: {"notes": {}, "attachments": {}, "activities": {},
                  "backorders": 0,
                  "optional": {"notes": {}, "activities": {}}}
           for name in exp["pickings"]}
    outcome, short = {}, {}
    for e in exp["events"]:
        if e["event_id"] and e["outcome"] == "applied" and not e["poison"]:
            outcome[(e["topic"], e["event_id"])] = e
        if e["event_id"] and not e["poison"] and e.get("may_shortage"):
            short[(e["topic"], e["event_id"])] = e
    for rec in stream:
        ev = rec.get("event") or {}
        eid = ev.get("event_id")
        if rec.get("poison"):
            continue
        s = short.get((rec["topic"], eid))
        if s and ev.get("picking_name") in eff:
            # lgx-picks tells a shortage on the picking whatever its
            # policy does: a note (marked from "<event id>:shortage") and
            # an activity; in some orders of the picks only: optional.
            name = ev["picking_name"]
            into = eff[name] if s.get("shortage") else eff[name]["optional"]
            into["notes"].setdefault(note_mark(eid + ":shortage"), eid)
            into["activities"].setdefault("lgx: shortage on %s" % name, eid)
        if (rec["topic"], eid) not in outcome:
            continue
        topic = rec["topic"]
        if topic == "lgx.shipments":
            payload = ev.get("payload") or {}
            kind, body = next(iter(payload.items())) if payload else ("", {})
            names = by_ship.get(ev.get("shipment_id"), [])
            if kind.endswith("LabelCreated") and body.get("label"):
                for n in names:
                    eff[n]["attachments"].setdefault(
                        body["label"]["filename"], eid)
            elif kind.endswith("ShipmentCancelled"):
                for n in names:
                    eff[n]["notes"].setdefault(note_mark(eid), eid)
        elif topic == "lgx.milestones":
            names = by_ref.get(ev.get("tracking_ref"), [])
            for n in names:
                eff[n]["notes"].setdefault(note_mark(eid), eid)
                if ev.get("code") in ("EXCEPTION", "DELIVERY_ATTEMPTED"):
                    eff[n]["activities"].setdefault("Parcel %s: %s" % (
                        ev["tracking_ref"], ev["code"]), eid)
        elif topic == "lgx.pod":
            name = ev.get("picking_name")
            names = [name] if name in eff else by_ref.get(
                ev.get("tracking_ref"), [])
            for n in names:
                if ev.get("signature"):
                    eff[n]["attachments"].setdefault(
                        "POD signature %s" % n, eid)
                # pod_line_has_issue (consumers/pod/pod_plan.c)
                issues = [l for l in ev.get("lines") or []
                          if l.get("issue") in ("SHORTAGE", "DAMAGE")]
                if issues:
                    eff[n]["activities"].setdefault(
                        "Delivery issue on %s: %d line(s) short or damaged"
                        % (n, len(issues)), eid)
        elif topic == "lgx.picks" and demand:
            name = ev.get("picking_name")
            want = demand.get(name) or {}
            got = collections.Counter()
            for l in ev.get("lines") or []:
                got[l["product_code"]] += l["quantity"]
            if ev.get("is_complete") and name in eff and any(
                    got[c] < q for c, q in want.items()):
                eff[name]["backorders"] = 1
                eff[name]["backorder_event"] = eid
    return eff


def actual_effects(pickings, messages, attachments, activities):
    """The same shape as expected_effects, counted in the simulator's
    dumps (each a list of rows): {picking: {"notes": Counter(mark),
    "attachments": Counter(name), "activities": Counter(summary),
    "backorders": n}}. Only notes carrying an lgx mark count."""
    by_id = {p["id"]: p["name"] for p in pickings}
    eff = {name: {"notes": collections.Counter(),
                  "attachments": collections.Counter(),
                  "activities": collections.Counter(), "backorders": 0}
           for name in by_id.values()}
    for m in messages:
        if m.get("model") == "stock.picking" and m.get("res_id") in by_id:
            for mark in _MARK.findall(m.get("body") or ""):
                eff[by_id[m["res_id"]]]["notes"][mark] += 1
    for a in attachments:
        if a.get("res_model") == "stock.picking" and a.get("res_id") in by_id:
            eff[by_id[a["res_id"]]]["attachments"][a["name"]] += 1
    for a in activities:
        if a.get("res_model") == "stock.picking" and a.get("res_id") in by_id:
            eff[by_id[a["res_id"]]]["activities"][a.get("summary") or ""] += 1
    for p in pickings:
        parent = p.get("backorder_id")
        if parent and parent[0] in by_id:
            eff[by_id[parent[0]]]["backorders"] += 1
    return eff


def compare_effects(expected, actual):
    """Lost (expected, absent), doubled (present more than once, or more
    backorders than expected) and unexpected (present, not expected)
    effects, each a list of (picking, kind, item)."""
    lost, doubled, unexpected = [], [], []
    for name, want in expected.items():
        got = actual.get(name) or {"notes": {}, "attachments": {},
                                   "activities": {}, "backorders": 0}
        for kind in ("notes", "attachments", "activities"):
            optional = (want.get("optional") or {}).get(kind) or {}
            for item in want[kind]:
                n = got[kind].get(item, 0)
                if n == 0:
                    lost.append((name, kind, item))
                elif n > 1:
                    doubled.append((name, kind, item, n))
            for item, n in got[kind].items():
                if item in optional and item not in want[kind]:
                    if n > 1:
                        doubled.append((name, kind, item, n))
                elif item not in want[kind]:
                    unexpected.append((name, kind, item, n))
                    if n > 1:
                        doubled.append((name, kind, item, n))
        if got["backorders"] < want["backorders"]:
            lost.append((name, "backorders", want["backorders"]))
        elif got["backorders"] > max(want["backorders"], 0):
            (doubled if got["backorders"] > 1 and want["backorders"]
             else unexpected).append((name, "backorders",
                                      got["backorders"]))
    return {"lost": lost, "doubled": doubled, "unexpected": unexpected}


def validations(calls, pickings):
    """Successful stock.picking button_validate calls per picking name,
    from the simulator's call log (GET /__sim/calls?model=stock.picking
    &method=button_validate). With complete picks no wizard comes back,
    so each is one validation: more than one for a picking is a picking
    validated twice."""
    names = {p["id"]: p["name"] for p in pickings}
    n = collections.Counter()
    for c in calls:
        if c.get("status") == 200 and not c.get("error"):
            for pid in c.get("ids") or []:
                n[names.get(pid, pid)] += 1
    return n


def effect_totals(effects):
    """Counts per kind of effect (for the report); of expected effects,
    also those expected in some orders of the picks only ("optional")."""
    t = collections.Counter()
    for e in effects.values():
        for kind in ("notes", "attachments", "activities"):
            t[kind] += sum(e[kind].values()) if isinstance(
                e[kind], collections.Counter) else len(e[kind])
        t["backorders"] += e["backorders"]
        for kind, items in (e.get("optional") or {}).items():
            t["optional"] += len(items)
    return dict(t)


def check_dead_letters(exp, dead_letters):
    """Every dead-letter topic under chaos: the poison messages exactly
    once each; every rejection the stream expects at least once; records
    of the same source message (lgx.dlq.topic/partition/offset) more than
    once; reasons the stream does not expect. dead_letters: topic ->
    records of <topic>.dlq (read_dead_letters). Returns a dict of
    figures and lists."""
    out = {"records": 0, "by_reason": collections.Counter(),
           "repeated": [], "poison_problems": [], "unexpected_reasons":
           collections.Counter(), "missing_rejections": []}
    for topic, recs in dead_letters.items():
        out["records"] += len(recs)
        want = exp["topics"][topic]["rejected_reasons"]
        seen = collections.defaultdict(list)
        for r in recs:
            h = r["headers"]
            out["by_reason"][h.get("lgx.dlq.reason")] += 1
            seen[(h.get("lgx.dlq.topic"), h.get("lgx.dlq.partition"),
                  h.get("lgx.dlq.offset"))].append(r)
            if h.get("lgx.dlq.reason") not in want:
                out["unexpected_reasons"][(topic,
                                           h.get("lgx.dlq.reason"))] += 1
        for src, rs in sorted(seen.items(), key=str):
            if len(rs) > 1:
                out["repeated"].append({
                    "source": "%s[%s]@%s" % src, "copies": len(rs),
                    "reason": rs[0]["headers"].get("lgx.dlq.reason"),
                    "poison": rs[0]["headers"].get("lgx.sim.poison"),
                    "dlq_offsets": ["%d:%d" % (r["partition"], r["offset"])
                                    for r in rs]})
        got = collections.Counter(r["headers"].get("lgx.dlq.reason")
                                  for r in recs)
        distinct = collections.Counter(
            rs[0]["headers"].get("lgx.dlq.reason") for rs in seen.values())
        for reason, n in want.items():
            if distinct[reason] < n:
                out["missing_rejections"].append(
                    (topic, reason, distinct[reason], n))
        out.setdefault("per_topic", {})[topic] = {
            "records": len(recs), "distinct": len(seen),
            "expected": sum(want.values()), "reasons": dict(got)}
        poison = [p for p in exp["poison"] if p["topic"] == topic]
        out["poison_problems"] += check_poison(poison, recs)
    out["poison"] = len(exp["poison"])
    return out


def simulated_stream(simulate, exp, state, args, workdir, timeout=300):
    """The events an lgx-simulate --create-orders run published, made
    again by a dry run of the same seed on the pickings that run created
    (read from the simulator): (stream, demand) for expected_effects.
    simulate: the lgx-simulate program; args: the options of the
    publishing run that shape the stream (--seed, --orders, the knobs,
    --products ...; not --create-orders, Kafka or Odoo options); state:
    the simulator's dumps of sale.order, sale.order.line, product.product
    and stock.picking (model -> rows). The stream's files are written in
    workdir. Raises RuntimeError when the dry run fails or its event ids
    are not those of the expected file."""
    orders = {o["id"]: o for o in state["sale.order"]}
    lines = sorted(state["sale.order.line"], key=lambda l: l["id"])
    products = {p["id"]: p["default_code"] for p in state["product.product"]}
    pickings = {p["name"]: p for p in state["stock.picking"]}
    path = os.path.join(workdir, "pickings.txt")
    demand = {}
    with open(path, "w") as f:
        for name in exp["pickings"]:
            order = orders[pickings[name]["sale_id"][0]]
            want = collections.OrderedDict()
            for l in lines:
                if l["order_id"][0] == order["id"] and l["product_id"]:
                    want[products[l["product_id"][0]]] = l["product_uom_qty"]
            demand[name] = dict(want)
            f.write(name + " " + " ".join(
                "%s=%g" % kv for kv in want.items()) + "\n")
    out = os.path.join(workdir, "stream.jsonl")
    r = subprocess.run(
        [simulate, "--pickings", path, "--dry-run", "--output", out,
         "--expected", os.path.join(workdir, "expected-dry.json"), *args],
        capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("lgx-simulate --dry-run: " + r.stderr)
    with open(out) as f:
        stream = [json.loads(l) for l in f if l.strip()]
    got = [s["event"].get("event_id") if not s["poison"] else None
           for s in stream]
    want = [e["event_id"] if not e["poison"] else None
            for e in exp["events"]]
    if got != want:
        raise RuntimeError("the dry run does not give the published stream "
                           "(event ids differ)")
    return stream, demand


def read_stream(path, exp):
    """The events lgx-simulate published, from its --log-events file (or
    a dry run's --output): dicts, in the order of exp["events"]. Raises
    RuntimeError when their event ids are not those of the expected
    file."""
    with open(path) as f:
        stream = [json.loads(l) for l in f if l.strip()]
    got = [s["event"].get("event_id") if not s["poison"] else None
           for s in stream]
    want = [e["event_id"] if not e["poison"] else None
            for e in exp["events"]]
    if got != want:
        raise RuntimeError("%s does not hold the events of the expected "
                           "file (event ids differ)" % path)
    return stream


def demand_of(exp):
    """picking -> {product code: quantity} its pick reported (the
    expected file's "picked"): what the order asked for, since every pick
    of the stream reports the full quantities."""
    return {name: dict(p.get("picked") or {})
            for name, p in exp["pickings"].items()}


# ---- what Odoo holds, read over its API -----------------------------------

# What check_pickings reads, and what the other checks need.
ODOO_PICKING_FIELDS = ["name", "state", "carrier_id", "carrier_tracking_ref",
                       "x_lgx_shipment_ref", "x_lgx_shipment_status",
                       "x_lgx_milestone", "x_lgx_milestone_at",
                       "x_lgx_delivered_at", "x_lgx_receiver",
                       "backorder_id"]


def _ids(rows):
    return [r["id"] for r in rows]


def _m2o(v):
    return v[0] if isinstance(v, (list, tuple)) and v else (v or None)


def read_odoo(search_read, exp):
    """The run's pickings and what lgx made of them, read from Odoo with
    search_read(model, domain, fields) (a real Odoo or the simulator, any
    API): model -> rows for stock.picking (the run's and their
    backorders), stock.move (theirs), product.product (of their moves),
    mail.message, ir.attachment and mail.activity (on them)."""
    names = sorted(exp["pickings"])
    pickings = search_read("stock.picking", [["name", "in", names]],
                           ODOO_PICKING_FIELDS)
    ids = _ids(pickings)
    backorders = search_read("stock.picking", [["backorder_id", "in", ids]],
                             ODOO_PICKING_FIELDS) if ids else []
    moves = search_read("stock.move", [["picking_id", "in", ids]],
                        ["picking_id", "product_id", "product_uom_qty",
                         "quantity", "state", "location_id",
                         "location_dest_id"]) if ids else []
    pids = sorted({_m2o(m["product_id"]) for m in moves})
    products = search_read("product.product", [["id", "in", pids]],
                           ["default_code"]) if pids else []
    lines = search_read("stock.move.line", [["picking_id", "in", ids]],
                        ["picking_id", "move_id", "product_id", "lot_id",
                         "quantity"]) if ids else []
    on = [["res_id", "in", ids]]
    return {
        "stock.picking": pickings + [b for b in backorders
                                     if b["id"] not in set(ids)],
        "stock.move": moves, "product.product": products,
        "stock.move.line": lines,
        "stock.lot": lot_names(search_read, [_m2o(l["lot_id"])
                                             for l in lines]),
        "mail.message": search_read(
            "mail.message", [["model", "=", "stock.picking"]] + on,
            ["model", "res_id", "body"]) if ids else [],
        "ir.attachment": search_read(
            "ir.attachment", [["res_model", "=", "stock.picking"]] + on,
            ["res_model", "res_id", "name"]) if ids else [],
        "mail.activity": search_read(
            "mail.activity", [["res_model", "=", "stock.picking"]] + on,
            ["res_model", "res_id", "summary"]) if ids else [],
    }


def check_moves(exp, state):
    """For every picking of the run: the quantities of its done moves are
    what the stream's pick reported (exp "picked"), product by product,
    and nothing is done without a pick. Returns (pickings checked,
    quantities checked, problems)."""
    code = {p["id"]: p.get("default_code") or "#%d" % p["id"]
            for p in state["product.product"]}
    names = {p["id"]: p["name"] for p in state["stock.picking"]}
    done = collections.defaultdict(collections.Counter)
    for m in state["stock.move"]:
        if m["state"] == "done":
            done[names.get(_m2o(m["picking_id"]))][
                code.get(_m2o(m["product_id"]))] += m["quantity"]
    problems, quantities = [], 0
    for name, want in exp["pickings"].items():
        picked = collections.Counter(want.get("picked") or {})
        got = done.get(name, collections.Counter())
        for c in sorted(set(picked) | set(got)):
            quantities += 1
            if abs(got[c] - picked[c]) > 1e-6:
                problems.append("%s %s: %g done, the pick reported %g" % (
                    name, c, got[c], picked[c]))
    return len(exp["pickings"]), quantities, problems


def lot_names(search_read, ids):
    """{lot id: name} of these stock.lot ids (None and repeats ignored)."""
    ids = sorted({i for i in ids if i})
    return {l["id"]: l["name"] for l in search_read(
        "stock.lot", [["id", "in", ids]], ["name"])} if ids else {}


def stock_snapshot(search_read, codes):
    """The stock of the products with these default codes: per internal
    location (stock.quant, summed over lots and packages) where Odoo has
    quants, else (the simulator) the quantity on hand per product.
    {"mode": "quant" or "on_hand", "products": {id: code}, "stock":
    {(product id, location id): quantity}} (location None in on_hand
    mode); in quant mode also "lots": {(product id, lot name):
    quantity} over the internal locations (lot None: stock without a
    lot)."""
    products = search_read("product.product",
                           [["default_code", "in", sorted(codes)]],
                           ["default_code", "qty_available"])
    out = {"products": {p["id"]: p["default_code"] for p in products},
           "stock": collections.Counter(), "lots": collections.Counter()}
    try:
        quants = search_read("stock.quant", [
            ["product_id", "in", _ids(products)],
            ["location_id.usage", "in", ["internal", "transit"]]],
            ["product_id", "location_id", "lot_id", "quantity"])
    except Exception:  # noqa: BLE001 (no stock.quant: the simulator)
        quants = None
    if quants is None:
        out["mode"] = "on_hand"
        for p in products:
            out["stock"][(p["id"], None)] = p["qty_available"]
    else:
        out["mode"] = "quant"
        names = lot_names(search_read, [_m2o(q["lot_id"]) for q in quants])
        for q in quants:
            out["stock"][(_m2o(q["product_id"]),
                          _m2o(q["location_id"]))] += q["quantity"]
            out["lots"][(_m2o(q["product_id"]),
                         names.get(_m2o(q["lot_id"])))] += q["quantity"]
    return out


def check_stock(before, after, state):
    """No stock of the run's products changed other than by the run's
    done moves: per product and internal location (or per product on
    hand), after - before = what the done moves brought in minus what
    they took out. Returns (figures, problems)."""
    expect = collections.Counter()
    products = set(before["products"])
    moved = 0.0
    for m in state["stock.move"]:
        pid = _m2o(m["product_id"])
        if m["state"] != "done" or pid not in products:
            continue
        moved += m["quantity"]
        if before["mode"] == "on_hand":
            expect[(pid, None)] -= m["quantity"]
        else:
            expect[(pid, _m2o(m["location_id"]))] -= m["quantity"]
            expect[(pid, _m2o(m["location_dest_id"]))] += m["quantity"]
    # Quants live in internal and transit locations: a move's other end
    # (the customers' location) has none, and is not compared.
    keys = set(before["stock"]) | set(after["stock"])
    if before["mode"] == "on_hand":
        keys |= set(expect)
    problems = []
    for k in sorted(keys, key=str):
        delta = after["stock"].get(k, 0.0) - before["stock"].get(k, 0.0)
        if abs(delta - expect.get(k, 0.0)) > 1e-6:
            problems.append("%s at %s: changed by %g, the run's done moves "
                            "account for %g" % (
                                before["products"].get(k[0], k[0]),
                                "location %s" % k[1] if k[1] else "on hand",
                                delta, expect.get(k, 0.0)))
    return ({"mode": before["mode"], "products": len(products),
             "places": len(keys), "moved": moved}, problems)


# ---- lots and shortages ------------------------------------------------

def _done_lines(state):
    """{picking name: {product code: Counter(lot name: quantity)}} of the
    move lines of the run's done moves (lines without quantity left
    out)."""
    code = {p["id"]: p.get("default_code") for p in state["product.product"]}
    names = {p["id"]: p["name"] for p in state["stock.picking"]}
    done = {m["id"] for m in state["stock.move"] if m["state"] == "done"}
    lots = state.get("stock.lot") or {}
    out = collections.defaultdict(
        lambda: collections.defaultdict(collections.Counter))
    for l in state.get("stock.move.line") or []:
        if _m2o(l["move_id"]) in done and abs(l["quantity"]) > 1e-9:
            out[names.get(_m2o(l["picking_id"]))][
                code.get(_m2o(l["product_id"]))][
                    lots.get(_m2o(l["lot_id"]))] += l["quantity"]
    return out


def check_lots(exp, state):
    """Every done picking of the run carries on its move lines exactly
    the lots and quantities its pick named (exp "lots", per tracked
    product): no lot Odoo reserved that the warehouse did not pick, no
    line without a lot. Returns (pickings checked, lot lines checked,
    pickings from two lots or more, problems)."""
    tracked = {c for p in exp["pickings"].values()
               for c in p.get("lots") or {}}
    got = _done_lines(state)
    pickings = lines = two = 0
    problems = []
    for name, p in exp["pickings"].items():
        codes = sorted(tracked & (set(p.get("picked") or {}) |
                                  set(got.get(name, {}))))
        if not codes:
            continue
        pickings += 1
        for c in codes:
            want = collections.Counter(
                {k: v for k, v in ((p.get("lots") or {}).get(c) or {}).items()})
            have = got.get(name, {}).get(c, collections.Counter())
            lines += len(set(want) | set(have))
            two += len(want) > 1
            if any(abs(have[k] - want[k]) > 1e-6
                   for k in set(want) | set(have)):
                problems.append("%s %s: lots %s on its move lines, the pick "
                                "named %s" % (name, c, dict(have),
                                              dict(want)))
    return pickings, lines, two, problems


def check_lot_stock(before, after, exp, state):
    """The stock of each lot of the run's tracked products went down by
    exactly what the run's done moves took of it (their move lines) and
    what the picks named (exp "lots"). before, after: stock_snapshot in
    quant mode. Returns ({"lots": n, "taken": units}, problems)."""
    if before["mode"] != "quant":
        return {"lots": 0, "taken": 0.0}, []
    ids = {c: pid for pid, c in before["products"].items()}
    picked, moved = collections.Counter(), collections.Counter()
    for name, p in exp["pickings"].items():
        for c, lots in (p.get("lots") or {}).items():
            for lot, q in lots.items():
                picked[(ids.get(c), lot)] += q
    for per_code in _done_lines(state).values():
        for c, lots in per_code.items():
            for lot, q in lots.items():
                if lot is not None:
                    moved[(ids.get(c), lot)] += q
    keys = {k for k in set(before["lots"]) | set(after["lots"])
            if k[1] is not None} | set(picked) | set(moved)
    problems = []
    for k in sorted(keys, key=str):
        delta = after["lots"].get(k, 0.0) - before["lots"].get(k, 0.0)
        if abs(delta + moved[k]) > 1e-6 or abs(delta + picked[k]) > 1e-6:
            problems.append("%s lot %s: changed by %g; the done moves took "
                            "%g, the picks named %g" % (
                                before["products"].get(k[0], k[0]), k[1],
                                delta, moved[k], picked[k]))
    return {"lots": len(keys), "taken": sum(moved.values())}, problems


def shortage_events(exp):
    """{picking name: the pick event judged short (in every order of the
    picks, or in some: its "shortage" flag says which)}."""
    return {e["key"]: e for e in exp["events"]
            if e["topic"] == "lgx.picks" and not e["poison"]
            and e.get("may_shortage")}


def check_shortages(exp, before, after, state, metric=None):
    """Picks the stream expects to be short of Odoo's stock: each such
    picking has exactly one note of its event (marked from "<event
    id>:shortage") and one "lgx: shortage on <picking>" activity (at most
    one of each, and both or neither, where the shortage depends on the
    order of the picks); the stock of each product picked short went to
    what it was less what the run's done moves took of it, below zero by
    exactly the shortfall; lgx_stock_discrepancies_total{kind="shortage"}
    (metric, when given) counted between the picks short in every order
    and those short in some. Returns (figures, problems)."""
    by_id = {p["id"]: p["name"] for p in state["stock.picking"]}
    notes, acts = collections.Counter(), collections.Counter()
    for m in state["mail.message"]:
        for mark in _MARK.findall(m.get("body") or ""):
            notes[(by_id.get(m.get("res_id")), mark)] += 1
    for a in state["mail.activity"]:
        acts[(by_id.get(a.get("res_id")), a.get("summary") or "")] += 1
    problems, told = [], 0
    events = shortage_events(exp)
    for name, e in sorted(events.items()):
        n = notes[(name, note_mark(e["event_id"] + ":shortage"))]
        a = acts[(name, "lgx: shortage on %s" % name)]
        told += n == 1 and a == 1
        if (n, a) != (1, 1) and (e.get("shortage") or (n, a) != (0, 0)):
            problems.append("%s: %d shortage note(s) and %d shortage "
                            "activit(ies), expected %s" % (
                                name, n, a, "one each" if e.get("shortage")
                                else "one each or none"))
    figures = {"pickings": sum(1 for e in events.values()
                               if e.get("shortage")),
               "maybe": sum(1 for e in events.values()
                            if not e.get("shortage")),
               "told": told, "products": [], "metric": metric}
    problems += _shortage_stock(exp, before, after, events, figures)
    want = exp["topics"]["lgx.picks"]
    lo, hi = want.get("shortages", 0), want.get("shortages_max", 0)
    if metric is not None and not lo <= metric <= hi:
        problems.append("lgx_stock_discrepancies_total{kind=\"shortage\"} "
                        "%g, expected %d to %d" % (metric, lo, hi))
    return figures, problems


def _shortage_stock(exp, before, after, events, figures):
    """Each product picked short: its stock (every internal location)
    went from what it was to that less what the run's done picks took,
    below zero by the shortfall."""
    codes = sorted({s["product"] for name in events
                    for s in exp["pickings"][name].get("shortages") or []})
    ids = {c: pid for pid, c in before["products"].items()}
    problems = []
    for c in codes:
        pid = ids.get(c)
        total = lambda snap: sum(q for k, q in snap["stock"].items()
                                 if k[0] == pid)
        was, now = total(before), total(after)
        picked = sum((p.get("picked") or {}).get(c, 0)
                     for p in exp["pickings"].values()
                     if p["state"] == "done")
        figures["products"].append((c, was, picked, now))
        if abs(now - (was - picked)) > 1e-6:
            problems.append("%s: %g on hand, %g picked by the run, now %g"
                            % (c, was, picked, now))
        elif picked > was + 1e-6 and not now < 0:
            problems.append("%s: picked %g of %g, yet not below zero (%g)"
                            % (c, picked, was, now))
    return problems
