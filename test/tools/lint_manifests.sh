#!/usr/bin/env bash
# Validates what deploy/ ships, without a cluster and without the internet:
#
#   - deploy/k8s: rendered with kustomize (built from the Go module proxy
#     into .cache/bin), every built-in kind validated strictly (unknown
#     fields refused) against the Kubernetes JSON schemas bundled in the
#     PyPI package kubernetes-validate, for the oldest and the newest
#     Kubernetes versions lgx supports; the KEDA ScaledObjects against
#     deploy/schemas/keda-scaledobject-v1alpha1.json (written from KEDA's
#     documented fields, with the kafka trigger's parameters) and against
#     the schema of the PyPI package cloudcoil-models-keda (generated from
#     KEDA 2.16's CRD); then what lgx needs of them (read-only root,
#     non-root, probes, resources, env, mounts, one Deployment, PDB and
#     ScaledObject per consumer, KEDA's group and topic = the consumer's;
#     a tool's Deployment (lgx-sla): one replica, recreated, probes);
#     the PodMonitor, PrometheusRule and TriggerAuthentication against the
#     schemas of their CRDs (deploy/schemas, extracted by
#     deploy/schemas/extract-crds.sh), every served pod scraped, the
#     PrometheusRule's groups equal to deploy/prometheus/lgx-alerts.yaml's,
#     every ScaledObject authenticating with the TriggerAuthentication.
#   - deploy/grafana/lgx-dashboard.json: JSON, required keys, layout, every
#     query's metric in README.md's metric table, every query parsed by
#     promtool.
#   - deploy/prometheus/lgx-alerts.yaml: YAML, required fields, metric names
#     in README.md, runbook anchors in docs/runbook.md, `promtool check
#     rules` and `promtool test rules` (deploy/prometheus/*.test.yaml).
#   - deploy/compose.yaml: YAML, every service has an image or a build,
#     dependencies and volumes exist, lgx services run a real program.
#   - that the checks can fail: broken copies must be refused.
#
# Ends with "manifests: N passed, N failed"; exit code 0 only if none failed.
#
#   test/tools/lint_manifests.sh            run the checks, installing the tools
#                                     first when missing
#   test/tools/lint_manifests.sh --install  install the tools (make deps does):
#       the Python packages into .cache/lint-venv (pyflakes too, for
#       test/tools/lint_python.sh), kustomize into
#       .cache/bin. promtool comes from Debian's package prometheus.
#   test/tools/lint_manifests.sh --write-prometheusrule
#       write deploy/k8s/prometheusrule.yaml from lgx-alerts.yaml
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${LGX_LINT_VENV:-$root/.cache/lint-venv}
kustomize=${KUSTOMIZE:-$root/.cache/bin/kustomize}
promtool=${PROMTOOL:-promtool}

# Versions tested together; change them together.
PY_PKGS=(kubernetes-validate==1.37.0 jsonschema==4.26.0 PyYAML==6.0.3
         cloudcoil-models-keda==2.16.1.0 pyflakes==3.2.0)
KUSTOMIZE_MOD=sigs.k8s.io/kustomize/kustomize/v5@v5.8.1

install() {
    if [ ! -x "$venv/bin/python" ]; then
        echo "lint-manifests: creating $venv"
        python3 -m venv "$venv"
    fi
    if ! "$venv/bin/python" - "${PY_PKGS[@]}" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
for spec in sys.argv[1:]:
    name, want = spec.split("==")
    if version(name) != want:
        sys.exit(1)
PY
        echo "lint-manifests: installing ${PY_PKGS[*]}"
        "$venv/bin/pip" install -q --disable-pip-version-check "${PY_PKGS[@]}"
    fi
    if [ ! -x "$kustomize" ] || ! "$kustomize" version 2>/dev/null | grep -q "${KUSTOMIZE_MOD##*@}"; then
        echo "lint-manifests: building kustomize ${KUSTOMIZE_MOD##*@} (Go module proxy)"
        mkdir -p "$(dirname "$kustomize")"
        # The Go toolchain of the machine (Debian 12's golang is too old).
        local go=go
        command -v go >/dev/null || go=/usr/local/go/bin/go
        GOBIN=$(dirname "$kustomize") "$go" install "$KUSTOMIZE_MOD"
    fi
    command -v "$promtool" >/dev/null ||
        echo "lint-manifests: promtool missing: apt-get install prometheus" >&2
    echo "lint-manifests: tools ok"
}

# deploy/k8s/prometheusrule.yaml: the groups of lgx-alerts.yaml, comments
# and all, as a PrometheusRule of the Prometheus Operator.
write_prometheusrule() {
    local out=$root/deploy/k8s/prometheusrule.yaml
    {
        cat <<'HEAD'
# Made by test/tools/lint_manifests.sh --write-prometheusrule from
# deploy/prometheus/lgx-alerts.yaml (edit that file, then run it again; the
# lint fails when the two differ): the same alert rules, for the
# Prometheus Operator. The Prometheus resource must select it (its
# ruleSelector and ruleNamespaceSelector; deploy/README.md).
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: lgx
  labels:
    app.kubernetes.io/name: lgx
spec:
HEAD
        sed -n '/^groups:/,$p' "$root/deploy/prometheus/lgx-alerts.yaml" | sed 's/^\(.\)/  \1/'
    } >"$out"
    echo "lint-manifests: wrote ${out#$root/}"
}

case "${1:-}" in
--install)
    install
    exit 0
    ;;
--write-prometheusrule)
    write_prometheusrule
    exit 0
    ;;
esac

# A fresh clone has none of the tools: install what is missing (quick when
# everything is there).
install >&2 || {
    echo "lint-manifests: cannot install the tools (test/tools/lint_manifests.sh --install)" >&2
    echo "manifests: 0 passed, 1 failed"
    exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lgx-lint-manifests.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

rc=0
ROOT=$root KUSTOMIZE=$kustomize PROMTOOL=$promtool TMP=$tmp "$venv/bin/python" - <<'PY' || rc=$?
import copy
import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import yaml

ROOT = os.environ["ROOT"]
KUSTOMIZE = os.environ["KUSTOMIZE"]
PROMTOOL = os.environ["PROMTOOL"]
TMP = os.environ["TMP"]
DEPLOY = os.path.join(ROOT, "deploy")
# The oldest and the newest Kubernetes versions the manifests are written
# for (PodDisruptionBudget.unhealthyPodEvictionPolicy is on by default
# from 1.27; 1.29 is the oldest still commonly supported).
K8S_VERSIONS = ["1.29", "1.37"]

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + detail if detail else ""))
    return ok


def path(*p):
    return os.path.join(ROOT, *p)


def read(*p):
    with open(path(*p)) as f:
        return f.read()


def programs():
    """Programs the image holds: one per folder of consumers/, producers/, tools/."""
    out = {}
    for kind in ("consumers", "producers", "tools"):
        d = path(kind)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if os.path.isdir(os.path.join(d, name)):
                out[name] = kind
    return out


PROGRAMS = programs()
CONSUMERS = sorted(n for n, k in PROGRAMS.items() if k == "consumers")


# ---- README's metrics --------------------------------------------------

def readme_metrics():
    text = read("README.md")
    m = re.search(r"^## Metrics, health and readiness$(.*?)^## ", text, re.M | re.S)
    metrics = {}
    for line in (m.group(1) if m else "").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`lgx_"):
            continue
        names = re.findall(r"`(lgx_[a-z0-9_]+)`", cells[0])
        types = [t.strip() for t in cells[1].split(",")]
        for i, n in enumerate(names):
            metrics[n] = types[i] if i < len(types) else types[-1]
    return metrics


METRICS = readme_metrics()
check("README.md lists the metrics (%d)" % len(METRICS), len(METRICS) >= 10,
      "metric table not found")
SERIES = set()
for n, t in METRICS.items():
    SERIES.add(n)
    if t == "histogram":
        SERIES.update({n + "_bucket", n + "_sum", n + "_count"})
# Series Prometheus makes itself.
BUILTIN_SERIES = {"up"}


def metric_names(expr):
    """lgx_* identifiers of a PromQL expression (label names never start
    with lgx_, so every such token is a metric)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    return set(re.findall(r"\b(lgx_[a-zA-Z0-9_]+)\b", expr))


def promtool_parse(exprs, label):
    """Parses PromQL expressions with promtool (as recording rules)."""
    if not shutil.which(PROMTOOL):
        return False, "promtool not installed (apt-get install prometheus)"
    rules = {"groups": [{"name": "parse", "rules": [
        {"record": "lgx:parse:%d" % i, "expr": e} for i, e in enumerate(exprs)]}]}
    f = os.path.join(TMP, label + "-exprs.yaml")
    with open(f, "w") as out:
        yaml.safe_dump(rules, out)
    r = subprocess.run([PROMTOOL, "check", "rules", f], capture_output=True, text=True)
    return r.returncode == 0, (r.stdout + r.stderr).strip()[-600:]


# ---- Kubernetes ---------------------------------------------------------

def kustomize_build(d):
    r = subprocess.run([KUSTOMIZE, "build", d], capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return [x for x in yaml.safe_load_all(r.stdout) if x], ""


def validate_builtin(doc, version):
    """'' when valid, else the error; None when no schema knows the kind."""
    import kubernetes_validate
    from kubernetes_validate import utils
    try:
        kubernetes_validate.validate(doc, version, strict=True)
        return ""
    except utils.SchemaNotFoundError:
        return None
    except utils.ValidationError as e:
        return "%s: %s" % (".".join(str(p) for p in e.path), e.message)


def strict(node):
    """A CRD prunes unknown fields; refuse them instead (except where the
    CRD keeps whatever comes, x-kubernetes-preserve-unknown-fields)."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node \
                and "additionalProperties" not in node \
                and not node.get("x-kubernetes-preserve-unknown-fields"):
            node["additionalProperties"] = False
        for v in node.values():
            strict(v)
    elif isinstance(node, list):
        for v in node:
            strict(v)
    return node


def keda_schemas():
    with open(os.path.join(DEPLOY, "schemas", "keda-scaledobject-v1alpha1.json")) as f:
        own = json.load(f)
    from cloudcoil.models.keda.v1alpha1 import ScaledObject
    crd = strict(ScaledObject.model_json_schema(by_alias=True, mode="validation"))
    # metadata is ObjectMeta: checked by the own schema and kustomize.
    crd["properties"]["metadata"] = {"type": "object"}
    return own, crd


# The operator kinds besides the ScaledObject, and their schemas in
# deploy/schemas (from the projects' CRDs: deploy/schemas/extract-crds.sh).
CRD_SCHEMAS = {
    "PodMonitor": "monitoring.coreos.com-podmonitor-v1.json",
    "PrometheusRule": "monitoring.coreos.com-prometheusrule-v1.json",
    "TriggerAuthentication": "keda.sh-triggerauthentication-v1alpha1.json",
}
CRD_KINDS = {"ScaledObject"} | set(CRD_SCHEMAS)


def crd_schema(kind):
    with open(os.path.join(DEPLOY, "schemas", CRD_SCHEMAS[kind])) as f:
        schema = strict(json.load(f))
    schema.pop("$comment", None)
    schema["properties"]["metadata"] = {"type": "object"}
    return schema


def schema_errors(schema, doc):
    v = jsonschema.Draft202012Validator(schema)
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message)
            for e in v.iter_errors(doc)]


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def check_pod_spec(what, spec, kind):
    """What every lgx pod needs: non-root, read-only root, no capabilities,
    resources, the API key from a Secret file, env from lgx-settings."""
    psc = spec.get("securityContext", {})
    c = spec["containers"][0]
    sc = c.get("securityContext", {})
    check(what + ": runs as non-root uid 10001",
          psc.get("runAsNonRoot") is True and psc.get("runAsUser") == 10001
          and sc.get("runAsNonRoot") is True)
    check(what + ": read-only root filesystem, no privilege escalation",
          sc.get("readOnlyRootFilesystem") is True
          and sc.get("allowPrivilegeEscalation") is False)
    check(what + ": drops all capabilities",
          sc.get("capabilities", {}).get("drop") == ["ALL"]
          and not sc.get("capabilities", {}).get("add"))
    res = c.get("resources", {})
    check(what + ": resources 50m/500m cpu, 64Mi/128Mi memory",
          res.get("requests") == {"cpu": "50m", "memory": "64Mi"}
          and res.get("limits") == {"cpu": "500m", "memory": "128Mi"}, json.dumps(res))
    env = env_of(c)
    needs = ["LGX_ODOO_URL", "LGX_ODOO_DB", "LGX_ODOO_API_KEY_FILE"]
    if kind == "consumer":
        needs += ["LGX_BROKERS", "LGX_RULES"]
    missing = [n for n in needs if n not in env]
    check(what + ": env " + ", ".join(needs), not missing, "missing " + ", ".join(missing))
    check(what + ": LGX_ODOO_API_KEY_FILE=/run/secrets/odoo/api-key",
          env.get("LGX_ODOO_API_KEY_FILE", {}).get("value") == "/run/secrets/odoo/api-key")
    check(what + ": no API key in the environment",
          "LGX_ODOO_API_KEY" not in env and not c.get("envFrom"))
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    key_mount = mounts.get("/run/secrets/odoo")
    key_vol = vols.get(key_mount["name"]) if key_mount else None
    check(what + ": API key mounted from a Secret at /run/secrets/odoo (no subPath)",
          key_mount is not None and key_vol is not None and "secret" in key_vol
          and not key_mount.get("subPath") and key_mount.get("readOnly") is True
          and any(i.get("path") == "api-key" for i in key_vol["secret"].get("items", [{"path": "api-key"}])))
    check(what + ": the Secret's file is readable by the pod's group (fsGroup 10001, mode 0440)",
          key_vol is not None and psc.get("fsGroup") == 10001
          and key_vol["secret"].get("defaultMode", 0o644) & 0o040 != 0)
    if kind == "consumer":
        rules = env.get("LGX_RULES", {}).get("value", "")
        rmount = mounts.get(os.path.dirname(rules))
        rvol = vols.get(rmount["name"]) if rmount else None
        check(what + ": rules from a ConfigMap mounted at %s (no subPath)" % os.path.dirname(rules),
              rules == "/etc/lgx/rules/rules.json" and rvol is not None and "configMap" in rvol
              and not rmount.get("subPath"))
    for m in c.get("volumeMounts", []):
        if m["name"] not in vols:
            check(what + ": mount %s has a volume" % m["name"], False)
    return c


def check_served(name, dep, c):
    """A Deployment's pod serving /metrics, /healthz and /readyz on 9464:
    scraped, probed, and given the time of an Odoo call to stop."""
    spec = dep["spec"]["template"]["spec"]
    tpl_ann = dep["spec"]["template"]["metadata"].get("annotations", {})
    check("Deployment/%s: prometheus scrape annotations on 9464" % name,
          tpl_ann.get("prometheus.io/scrape") == "true"
          and tpl_ann.get("prometheus.io/port") == "9464"
          and tpl_ann.get("prometheus.io/path") == "/metrics")
    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}

    def probe(p, want):
        g = (c.get(p) or {}).get("httpGet", {})
        port = g.get("port")
        port = ports.get(port, port)
        return g.get("path") == want and port == 9464
    check("Deployment/%s: liveness GET /healthz, readiness GET /readyz on 9464" % name,
          probe("livenessProbe", "/healthz") and probe("readinessProbe", "/readyz"))
    check("Deployment/%s: a startup probe covers the start (Odoo reachable, set-up checked)" % name,
          probe("startupProbe", "/healthz")
          and c["startupProbe"].get("failureThreshold", 3) * c["startupProbe"].get("periodSeconds", 10) >= 300)
    check("Deployment/%s: terminationGracePeriodSeconds covers an Odoo call (>= 45 s)" % name,
          spec.get("terminationGracePeriodSeconds", 30) >= 45)


def lint_tool_deployment(name, dep):
    """A Deployment running a tool that polls Odoo and serves metrics
    (lgx-sla): no Kafka, rules or KEDA; one replica, never two pods at
    once (a second would report everything twice)."""
    c = check_pod_spec("Deployment/" + name, dep["spec"]["template"]["spec"], "tool")
    prog = (c.get("args") or [""])[0]
    check("Deployment/%s: runs lgx-%s (args %s)" % (name, prog, c.get("args")),
          name == "lgx-" + prog)
    check("Deployment/%s: exactly one replica" % name, dep["spec"].get("replicas") == 1)
    check("Deployment/%s: recreated on rollout (never two pods at once)" % name,
          dep["spec"].get("strategy", {}).get("type") == "Recreate")
    check_served(name, dep, c)


def lint_k8s():
    k8s = os.path.join(DEPLOY, "k8s")
    docs, err = kustomize_build(k8s)
    if not check("kustomize build deploy/k8s", docs is not None, err[-400:]):
        return
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    check("every resource is in namespace lgx",
          all(d["metadata"].get("namespace") == "lgx" for d in docs if d["kind"] != "Namespace")
          and "lgx" in by_kind.get("Namespace", {}))

    # Schemas of the built-in kinds.
    for d in docs:
        if d["kind"] in CRD_KINDS:
            continue
        for v in K8S_VERSIONS:
            e = validate_builtin(d, v + ".0")
            check("k8s %s schema: %s/%s" % (v, d["kind"], d["metadata"]["name"]),
                  e == "", "no schema for this kind" if e is None else e)

    # KEDA.
    own, crd = keda_schemas()
    for name, so in sorted(by_kind.get("ScaledObject", {}).items()):
        e = schema_errors(own, so)
        check("KEDA schema (deploy/schemas): ScaledObject/" + name, not e, "; ".join(e))
        e = schema_errors(crd, so)
        check("KEDA CRD schema (cloudcoil-models-keda): ScaledObject/" + name, not e, "; ".join(e))

    for kind in sorted(CRD_SCHEMAS):
        schema = crd_schema(kind)
        for name, d in sorted(by_kind.get(kind, {}).items()):
            e = schema_errors(schema, d)
            check("CRD schema (deploy/schemas): %s/%s" % (kind, name), not e, "; ".join(e))
    lint_operator_objects(by_kind)

    settings = next((c for n, c in by_kind.get("ConfigMap", {}).items()
                     if n.startswith("lgx-settings")), None)
    check("ConfigMap lgx-settings has LGX_BROKERS, LGX_ODOO_URL, LGX_ODOO_DB",
          settings is not None and all(k in settings.get("data", {})
                                       for k in ("LGX_BROKERS", "LGX_ODOO_URL", "LGX_ODOO_DB")))
    rules_cm = by_kind.get("ConfigMap", {}).get("lgx-rules")
    if check("ConfigMap lgx-rules holds rules.json", rules_cm is not None
             and "rules.json" in rules_cm.get("data", {})):
        try:
            json.loads(rules_cm["data"]["rules.json"])
            ok = True
        except ValueError as e:
            ok = False
        check("ConfigMap lgx-rules: rules.json is JSON", ok)
        check("deploy/k8s/rules.json is config/rules.json (the shipped rules)",
              read("deploy", "k8s", "rules.json") == read("config", "rules.json"),
              "copy config/rules.json to deploy/k8s/rules.json")

    deps = by_kind.get("Deployment", {})
    pdbs = by_kind.get("PodDisruptionBudget", {})
    sos = by_kind.get("ScaledObject", {})
    check("a Deployment for every consumer (%s)" % ", ".join(CONSUMERS),
          all("lgx-" + c in deps for c in CONSUMERS),
          "missing: " + ", ".join(c for c in CONSUMERS if "lgx-" + c not in deps))
    for name, dep in sorted(deps.items()):
        spec = dep["spec"]["template"]["spec"]
        if PROGRAMS.get((spec["containers"][0].get("args") or [""])[0]) == "tools":
            lint_tool_deployment(name, dep)
            continue
        c = check_pod_spec("Deployment/" + name, spec, "consumer")
        prog = (c.get("args") or [""])[0]
        check("Deployment/%s: runs a consumer (args %s)" % (name, c.get("args")),
              PROGRAMS.get(prog) == "consumers" and name == "lgx-" + prog)
        env = env_of(c)
        check("Deployment/%s: topic lgx.%s, group %s" % (name, prog, name),
              env.get("LGX_TOPIC", {}).get("value") == "lgx." + prog
              and env.get("LGX_GROUP", {}).get("value") == name)
        check("Deployment/%s: leaves no replicas field (KEDA owns it)" % name,
              "replicas" not in dep["spec"])
        check_served(name, dep, c)
        roll = dep["spec"].get("strategy", {}).get("rollingUpdate", {})
        check("Deployment/%s: rollout without surge (a surge pod would get no partition)" % name,
              roll.get("maxSurge") == 0)
        sel = dep["spec"]["selector"]["matchLabels"]
        pdb = pdbs.get(name)
        check("PodDisruptionBudget/%s selects the Deployment's pods" % name,
              pdb is not None and pdb["spec"]["selector"].get("matchLabels") == sel
              and "maxUnavailable" in pdb["spec"])
        so = sos.get(name)
        if not check("ScaledObject/%s targets the Deployment" % name,
                     so is not None and so["spec"]["scaleTargetRef"].get("name") == name
                     and so["spec"]["scaleTargetRef"].get("kind", "Deployment") == "Deployment"):
            continue
        trig = [t for t in so["spec"]["triggers"] if t["type"] == "kafka"]
        md = trig[0]["metadata"] if trig else {}
        check("ScaledObject/%s: kafka trigger on group %s, topic %s" % (name, name, "lgx." + prog),
              md.get("consumerGroup") == name and md.get("topic") == "lgx." + prog)
        check("ScaledObject/%s: brokers = lgx-settings LGX_BROKERS" % name,
              settings is not None and md.get("bootstrapServers") == settings["data"].get("LGX_BROKERS"))
        lo, hi = so["spec"].get("minReplicaCount", 0), so["spec"].get("maxReplicaCount", 100)
        check("ScaledObject/%s: 1 <= minReplicaCount (%s) <= maxReplicaCount (%s)" % (name, lo, hi),
              1 <= lo <= hi)
        ta = trig[0].get("authenticationRef", {}) if trig else {}
        check("ScaledObject/%s: kafka trigger authenticates with TriggerAuthentication lgx-kafka" % name,
              ta.get("name") == "lgx-kafka" and ta.get("kind", "TriggerAuthentication") == "TriggerAuthentication"
              and "lgx-kafka" in by_kind.get("TriggerAuthentication", {}))
        check("ScaledObject/%s: not both allowIdleConsumers and limitToPartitionsWithLag" % name,
              not (md.get("allowIdleConsumers") == "true" and md.get("limitToPartitionsWithLag") == "true"))
    for name, job in sorted(by_kind.get("Job", {}).items()):
        c = check_pod_spec("Job/" + name, job["spec"]["template"]["spec"], "setup")
        check("Job/%s runs lgx-odoo-setup" % name, (c.get("args") or [""])[0] == "odoo-setup"
              and "odoo-setup" in PROGRAMS)
    check("a Job runs lgx-odoo-setup", any(
        (j["spec"]["template"]["spec"]["containers"][0].get("args") or [""])[0] == "odoo-setup"
        for j in by_kind.get("Job", {}).values()))
    known = {"Namespace", "ServiceAccount", "ConfigMap", "Deployment", "PodDisruptionBudget",
             "Job"} | CRD_KINDS
    check("no resource of an unchecked kind", set(by_kind) <= known,
          ", ".join(sorted(set(by_kind) - known)))
    lint_toolbox(settings)
    return docs


def alerts_groups():
    with open(os.path.join(DEPLOY, "prometheus", "lgx-alerts.yaml")) as fh:
        return (yaml.safe_load(fh) or {}).get("groups")


def scraped(pm, dep):
    """Whether PodMonitor pm scrapes /metrics on the metrics port of
    Deployment dep's pods."""
    sel = pm["spec"].get("selector", {})
    labels = dep["spec"]["template"]["metadata"].get("labels", {})
    if sel.get("matchExpressions") or any(labels.get(k) != v for k, v in
                                          sel.get("matchLabels", {}).items()):
        return False
    ports = {p.get("name"): p["containerPort"] for c in dep["spec"]["template"]["spec"]["containers"]
             for p in c.get("ports", [])}
    return any(e.get("port") in ports and ports[e["port"]] == 9464
               and e.get("path", "/metrics") == "/metrics"
               for e in pm["spec"].get("podMetricsEndpoints", []))


def lint_operator_objects(by_kind):
    """PodMonitor, PrometheusRule and TriggerAuthentication: what lgx needs
    of them beyond their schemas."""
    pms = by_kind.get("PodMonitor", {})
    deps = by_kind.get("Deployment", {})
    served = sorted(n for n, d in deps.items()
                    if (d["spec"]["template"]["metadata"].get("annotations") or {})
                    .get("prometheus.io/scrape") == "true")
    missing = [n for n in served if not any(scraped(pm, deps[n]) for pm in pms.values())]
    check("a PodMonitor scrapes /metrics on port metrics of every served Deployment (%s)"
          % ", ".join(served), bool(pms) and bool(served) and not missing,
          "not scraped: " + ", ".join(missing))
    check("PodMonitors stay in their namespace (no namespaceSelector)",
          all("namespaceSelector" not in pm["spec"] for pm in pms.values()))
    rules = by_kind.get("PrometheusRule", {})
    want = alerts_groups()
    check("PrometheusRule/lgx: spec.groups = deploy/prometheus/lgx-alerts.yaml's groups "
          "(test/tools/lint_manifests.sh --write-prometheusrule)",
          "lgx" in rules and rules["lgx"]["spec"].get("groups") == want and bool(want))
    tas = by_kind.get("TriggerAuthentication", {})
    ta = tas.get("lgx-kafka")
    refs = {r["parameter"]: r for r in (ta or {}).get("spec", {}).get("secretTargetRef", [])}
    params = {"sasl", "username", "password", "tls", "ca", "cert", "key"}
    check("TriggerAuthentication/lgx-kafka: %s from the Secret lgx-kafka, same keys"
          % ", ".join(sorted(params)),
          ta is not None and set(refs) == params
          and all(r["name"] == "lgx-kafka" and r["key"] == p for p, r in refs.items()),
          "parameters: " + ", ".join(sorted(refs)))
    readme = read("deploy", "README.md")
    check("deploy/README.md documents the Secret lgx-kafka and its keys",
          "lgx-kafka" in readme and all("`%s`" % p in readme for p in params))


def lint_toolbox(settings):
    """deploy/k8s/toolbox.yaml: applied by hand, so checked on its own."""
    with open(os.path.join(DEPLOY, "k8s", "toolbox.yaml")) as fh:
        pod = yaml.safe_load(fh)
    for v in K8S_VERSIONS:
        e = validate_builtin(pod, v + ".0")
        check("k8s %s schema: Pod/lgx-toolbox (toolbox.yaml)" % v, e == "",
              "no schema" if e is None else e)
    c = pod["spec"]["containers"][0]
    sc = c.get("securityContext", {})
    check("toolbox: non-root, read-only root filesystem, no capabilities",
          pod["spec"]["securityContext"].get("runAsNonRoot") is True
          and sc.get("readOnlyRootFilesystem") is True
          and sc.get("capabilities", {}).get("drop") == ["ALL"])
    env = env_of(c)
    check("toolbox: LGX_BROKERS = settings.env",
          settings is not None
          and env.get("LGX_BROKERS", {}).get("value") == settings["data"].get("LGX_BROKERS"))
    with open(os.path.join(DEPLOY, "k8s", "kustomization.yaml")) as fh:
        kz = yaml.safe_load(fh)
    img = next((i for i in kz.get("images", []) if i.get("name") == "lgx"), {})
    check("toolbox: image = the kustomization's lgx image",
          c.get("image") == "%s:%s" % (img.get("newName", "lgx"), img.get("newTag", "latest")))


# ---- Grafana ------------------------------------------------------------

def lint_grafana():
    f = os.path.join(DEPLOY, "grafana", "lgx-dashboard.json")
    try:
        with open(f) as fh:
            dash = json.load(fh)
    except ValueError as e:
        check("grafana: lgx-dashboard.json is JSON", False, str(e))
        return
    check("grafana: lgx-dashboard.json is JSON", True)
    req = ["title", "uid", "schemaVersion", "panels", "templating", "time", "refresh"]
    check("grafana: keys " + ", ".join(req), all(k in dash for k in req),
          "missing " + ", ".join(k for k in req if k not in dash))
    tvars = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    check("grafana: a Prometheus data source variable",
          tvars.get("datasource", {}).get("type") == "datasource"
          and tvars["datasource"].get("query") == "prometheus")
    panels = dash.get("panels", [])
    ids = [p.get("id") for p in panels]
    check("grafana: panel ids unique", len(ids) == len(set(ids)))
    cells = {}
    overlap = []
    for p in panels:
        g = p.get("gridPos", {})
        if not all(k in g for k in "xywh") or g["x"] + g["w"] > 24:
            overlap.append("%s: bad gridPos %s" % (p.get("title"), g))
            continue
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    overlap.append("%s overlaps %s" % (p.get("title"), cells[(x, y)]))
                    break
                cells[(x, y)] = p.get("title")
            else:
                continue
            break
    check("grafana: panels inside 24 columns, none overlapping", not overlap, "; ".join(overlap))
    exprs = []
    bad = []
    for p in panels:
        if p.get("type") == "row":
            continue
        for k in ("type", "title", "datasource", "targets"):
            if k not in p:
                bad.append("%s lacks %s" % (p.get("title"), k))
        if p.get("datasource", {}).get("uid") != "${datasource}":
            bad.append("%s: datasource is not ${datasource}" % p.get("title"))
        refs = [t.get("refId") for t in p.get("targets", [])]
        if not refs or len(refs) != len(set(refs)):
            bad.append("%s: targets need unique refIds" % p.get("title"))
        for t in p.get("targets", []):
            if not t.get("expr"):
                bad.append("%s: a target without expr" % p.get("title"))
            else:
                exprs.append((p.get("title"), t["expr"]))
    check("grafana: every panel has a title, type, the data source and queries", not bad, "; ".join(bad))
    unknown = sorted({"%s (%s)" % (m, title) for title, e in exprs for m in metric_names(e)
                      if m not in SERIES})
    check("grafana: every query's metrics are in README.md", not unknown, ", ".join(unknown))
    check("grafana: every query reads an lgx metric", all(metric_names(e) for _, e in exprs))
    used = set().union(*(metric_names(e) for _, e in exprs)) if exprs else set()
    base = {re.sub(r"_(bucket|sum|count)$", "", m) if m not in METRICS else m for m in used}
    check("grafana: every README metric is on the dashboard", set(METRICS) <= base,
          "not shown: " + ", ".join(sorted(set(METRICS) - base)))
    need = {"events by outcome": "lgx_events_total", "dead letters": "lgx_dead_letters_total",
            "held": "lgx_held_events", "lag per partition": "lgx_consumer_lag",
            "latency p50": "lgx_odoo_call_duration_seconds_bucket",
            "latency p95": "lgx_odoo_call_duration_seconds_bucket",
            "odoo up": "lgx_odoo_up", "retries": "lgx_retries_total"}
    titles = {p.get("title", "").lower(): p for p in panels}
    missing = [k for k, m in need.items()
               if not any(k in t and any(m in metric_names(x["expr"]) for x in p.get("targets", []))
                          for t, p in titles.items())]
    check("grafana: panels for outcomes, dead letters, held, lag, p50/p95, odoo up, retries",
          not missing, "missing: " + ", ".join(missing))
    subst = [e.replace("$__rate_interval", "5m").replace("$__range", "1h")
              .replace("$__interval", "1m").replace("$topic", ".*") for _, e in exprs]
    ok, out = promtool_parse(subst, "grafana")
    check("grafana: promtool parses every query", ok, out)


# ---- Prometheus alerts --------------------------------------------------

def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def lint_alerts():
    f = os.path.join(DEPLOY, "prometheus", "lgx-alerts.yaml")
    try:
        with open(f) as fh:
            doc = yaml.safe_load(fh)
    except yaml.YAMLError as e:
        check("alerts: lgx-alerts.yaml is YAML", False, str(e))
        return
    check("alerts: lgx-alerts.yaml is YAML", True)
    rules = [r for g in doc.get("groups", []) for r in g.get("rules", [])]
    alerts = {r.get("alert"): r for r in rules if "alert" in r}
    check("alerts: %d alerting rules" % len(alerts), len(alerts) >= 5)
    bad = []
    for name, r in alerts.items():
        if not r.get("expr") or "severity" not in r.get("labels", {}):
            bad.append(name + " needs expr and labels.severity")
        ann = r.get("annotations", {})
        for k in ("summary", "description", "runbook_url"):
            if not ann.get(k):
                bad.append("%s needs annotations.%s" % (name, k))
    check("alerts: every rule has expr, severity, summary, description, runbook_url",
          not bad, "; ".join(bad))
    unknown = sorted({"%s (%s)" % (m, n) for n, r in alerts.items()
                      for m in metric_names(r.get("expr", "")) if m not in SERIES})
    check("alerts: every metric in the expressions is in README.md", not unknown,
          ", ".join(unknown))
    runbook = read("docs", "runbook.md") if os.path.exists(path("docs", "runbook.md")) else ""
    anchors = {slug(h) for h in re.findall(r"^#+\s+(.*)$", runbook, re.M)}
    missing = sorted("%s -> %s" % (n, r["annotations"]["runbook_url"]) for n, r in alerts.items()
                     if r.get("annotations", {}).get("runbook_url", "").split("#")[-1] not in anchors
                     or not r["annotations"]["runbook_url"].startswith("docs/runbook.md#"))
    check("alerts: every runbook_url is a section of docs/runbook.md", not missing,
          "; ".join(missing))
    want = {"not ready": r"lgx_assigned_partitions|lgx_odoo_up",
            "lag": r"lgx_consumer_lag", "dead letters": r"lgx_dead_letters_total",
            "odoo up": r"lgx_odoo_up\s*==\s*0", "held": r"lgx_held_events"}
    missing = [k for k, rx in want.items() if not any(re.search(rx, r["expr"]) for r in alerts.values())]
    check("alerts: not ready, lag, dead letters, odoo_up == 0, held events covered", not missing,
          "missing: " + ", ".join(missing))
    if not shutil.which(PROMTOOL):
        check("alerts: promtool check rules", False, "promtool not installed (apt-get install prometheus)")
        return
    r = subprocess.run([PROMTOOL, "check", "rules", f], capture_output=True, text=True)
    check("alerts: promtool check rules", r.returncode == 0, (r.stdout + r.stderr)[-600:])
    tests = sorted(x for x in os.listdir(os.path.dirname(f)) if x.endswith(".test.yaml"))
    check("alerts: unit tests exist (deploy/prometheus/*.test.yaml)", bool(tests))
    for t in tests:
        r = subprocess.run([PROMTOOL, "test", "rules", t], capture_output=True, text=True,
                           cwd=os.path.dirname(f))
        check("alerts: promtool test rules " + t, r.returncode == 0, (r.stdout + r.stderr)[-1500:])
        with open(os.path.join(os.path.dirname(f), t)) as fh:
            tested = {a.get("alertname") for c in yaml.safe_load(fh).get("tests", [])
                      for a in c.get("alert_rule_test", [])}
        check("alerts: every alert has a unit test in " + t, set(alerts) <= tested,
              "untested: " + ", ".join(sorted(set(alerts) - tested)))


# ---- runbook -----------------------------------------------------------

def lint_runbook():
    if not check("runbook: docs/runbook.md exists", os.path.exists(path("docs", "runbook.md"))):
        return
    text = read("docs", "runbook.md")
    anchors = {slug(h) for h in re.findall(r"^#+\s+(.*)$", text, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    check("runbook: every link to a section resolves", links <= anchors,
          ", ".join(sorted(links - anchors)))
    m = re.search(r"^### Reason codes$(.*?)^#", read("README.md"), re.M | re.S)
    readme = {l.split("|")[1].strip() for l in (m.group(1) if m else "").splitlines()
              if l.startswith("| ") and not l.startswith("| reason") and not l.startswith("| ---")}
    m = re.search(r"^## Reason codes$(.*?)^## ", text, re.M | re.S)
    ours = {l.split("|")[1].strip() for l in (m.group(1) if m else "").splitlines()
            if l.startswith("| ") and not l.startswith("| reason") and not l.startswith("| ---")}
    check("runbook: every reason code of README.md has a procedure (%d)" % len(readme),
          bool(readme) and readme <= ours, "missing: " + ", ".join(sorted(readme - ours)))
    check("runbook: no reason code README.md does not know", ours <= readme,
          ", ".join(sorted(ours - readme)))


# ---- compose ------------------------------------------------------------

def lint_compose():
    f = os.path.join(DEPLOY, "compose.yaml")
    try:
        with open(f) as fh:
            doc = yaml.safe_load(fh)
    except yaml.YAMLError as e:
        check("compose: compose.yaml is YAML", False, str(e))
        return
    check("compose: compose.yaml is YAML", True)
    services = doc.get("services", {})
    check("compose: every service has an image or a build",
          all("image" in s or "build" in s for s in services.values()),
          ", ".join(n for n, s in services.items() if "image" not in s and "build" not in s))
    bad = []
    for n, s in services.items():
        deps = s.get("depends_on", {})
        for d in deps if isinstance(deps, (list, dict)) else []:
            if d not in services:
                bad.append("%s depends on unknown %s" % (n, d))
        for v in s.get("volumes", []):
            src = v.split(":")[0] if isinstance(v, str) else v.get("source", "")
            if src and not src.startswith((".", "/", "$")) and src not in (doc.get("volumes") or {}):
                bad.append("%s uses undeclared volume %s" % (n, src))
    check("compose: dependencies and named volumes exist", not bad, "; ".join(bad))
    images = {s.get("image", "") for s in services.values()}
    check("compose: Kafka (apache/kafka), PostgreSQL, Odoo 19 (odoo:19)",
          any(i.startswith("apache/kafka:") for i in images)
          and any(i.startswith("postgres:") for i in images) and "odoo:19" in images)
    lgx = {n: s for n, s in services.items() if s.get("image", "").startswith("lgx")}
    build = {n: s for n, s in lgx.items() if "build" in s}
    check("compose: the lgx image is built from deploy/Dockerfile",
          bool(build) and all(s["build"].get("dockerfile") == "deploy/Dockerfile"
                              and os.path.normpath(os.path.join(DEPLOY, s["build"].get("context", "."))) == ROOT
                              for s in build.values()))
    progs = {n: (s.get("command") or [""])[0] for n, s in lgx.items()}
    bad = sorted("%s runs %s" % (n, p) for n, p in progs.items()
                 if p not in PROGRAMS and p != "--help")
    check("compose: lgx services run real programs", not bad, "; ".join(bad))
    ran = set(progs.values())
    check("compose: the four consumers and lgx-odoo-setup run",
          set(CONSUMERS) | {"odoo-setup"} <= ran,
          "missing: " + ", ".join(sorted(set(CONSUMERS) | {"odoo-setup"} - ran)))
    check("compose: lgx services read-only, uid 10001",
          all(s.get("read_only") is True and str(s.get("user", "")).startswith("10001")
              for s in lgx.values()))


# ---- the checks can fail ------------------------------------------------

def self_tests():
    k8s = os.path.join(TMP, "k8s")
    shutil.copytree(os.path.join(DEPLOY, "k8s"), k8s)
    with open(os.path.join(k8s, "picks.yaml")) as fh:
        text = fh.read()
    with open(os.path.join(k8s, "picks.yaml"), "w") as fh:
        fh.write(text.replace("readOnlyRootFilesystem: true", "readOnlyRootFilesytem: true", 1))
    docs, _ = kustomize_build(k8s)
    dep = next(d for d in docs or [] if d["kind"] == "Deployment" and d["metadata"]["name"] == "lgx-picks")
    e = validate_builtin(dep, K8S_VERSIONS[-1] + ".0")
    check("self-test: a misspelt Deployment field is refused", bool(e))
    so = next(d for d in docs or [] if d["kind"] == "ScaledObject")
    own, crd = keda_schemas()
    bad = copy.deepcopy(so)
    bad["spec"]["triggers"][0]["metadata"]["lagTreshold"] = "10"
    check("self-test: a misspelt kafka trigger parameter is refused", bool(schema_errors(own, bad)))
    bad = copy.deepcopy(so)
    bad["spec"]["minReplicas"] = 1
    check("self-test: a misspelt ScaledObject field is refused by both KEDA schemas",
          bool(schema_errors(own, bad)) and bool(schema_errors(crd, bad)))
    for kind, field, bad_field in (("PodMonitor", "podMetricsEndpoints", "podMetricEndpoints"),
                                   ("TriggerAuthentication", "secretTargetRef", "secretTargetRefs")):
        d = copy.deepcopy(next(x for x in docs or [] if x["kind"] == kind))
        d["spec"][bad_field] = d["spec"].pop(field)
        check("self-test: a misspelt %s field is refused" % kind,
              bool(schema_errors(crd_schema(kind), d)))
    pm = next(x for x in docs or [] if x["kind"] == "PodMonitor")
    dep = copy.deepcopy(next(x for x in docs or [] if x["kind"] == "Deployment"
                             and x["metadata"]["name"] == "lgx-picks"))
    check("self-test: a PodMonitor on the wrong port scrapes nothing",
          scraped(pm, dep) and not scraped(
              dict(pm, spec=dict(pm["spec"], podMetricsEndpoints=[{"port": "http"}])), dep))
    with open(os.path.join(k8s, "prometheusrule.yaml")) as fh:
        text = fh.read()
    with open(os.path.join(k8s, "prometheusrule.yaml"), "w") as fh:
        fh.write(text.replace("for: 5m", "for: 6m", 1))
    docs2, _ = kustomize_build(k8s)
    pr = next(x for x in docs2 or [] if x["kind"] == "PrometheusRule")
    check("self-test: a PrometheusRule that drifted from lgx-alerts.yaml is noticed",
          pr["spec"]["groups"] != alerts_groups())
    check("self-test: an unknown metric is noticed",
          "lgx_events_totl" in metric_names('sum(rate(lgx_events_totl{topic="lgx_x"}[5m]))')
          and "lgx_events_totl" not in SERIES and "lgx_x" not in metric_names('a{b="lgx_x"}'))
    if shutil.which(PROMTOOL):
        ok, _ = promtool_parse(["sum(rate(lgx_events_total[5m])"], "selftest")
        check("self-test: promtool refuses a broken expression", not ok)


lint_k8s()
lint_grafana()
lint_alerts()
lint_runbook()
lint_compose()
self_tests()
print("manifests: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
exit $rc
