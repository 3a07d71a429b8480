#!/usr/bin/env bash
# Writes the JSON schemas of the operator kinds deploy/k8s uses, taken from
# the projects' own CustomResourceDefinitions (openAPIV3Schema of the
# served version, descriptions left out), as test/tools/lint_manifests.sh reads
# them:
#
#   monitoring.coreos.com-podmonitor-v1.json       Prometheus Operator
#   monitoring.coreos.com-prometheusrule-v1.json   Prometheus Operator
#   keda.sh-triggerauthentication-v1alpha1.json    KEDA
#
# The CRDs come from the Go modules of the two projects, fetched through
# the Go module proxy (`go mod download`) into a temporary cache. Run it
# after changing a version below; the schemas are committed, so that the
# lint needs no network.
#
#   deploy/schemas/extract-crds.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/deploy/schemas
python=${LGX_LINT_VENV:-$root/.cache/lint-venv}/bin/python
[ -x "$python" ] || bash "$root/test/tools/lint_manifests.sh" --install

# Versions extracted together; change them together with the lint's.
PROMETHEUS_OPERATOR=github.com/prometheus-operator/prometheus-operator@v0.85.0
KEDA=github.com/kedacore/keda/v2@v2.16.1

go=go
command -v go >/dev/null || go=/usr/local/go/bin/go
cache=$(mktemp -d "${TMPDIR:-/tmp}/lgx-crds.XXXXXX")
trap 'chmod -R u+w "$cache"; rm -rf "$cache"' EXIT
dir_of() {
    (cd "$cache" && GOMODCACHE=$cache/mod GOFLAGS=-modcacherw "$go" mod download -json "$1") |
        sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}
po=$(dir_of "$PROMETHEUS_OPERATOR")
keda=$(dir_of "$KEDA")

"$python" - "$out" <<PY
import json
import sys

import yaml

out = sys.argv[1]
crds = [
    ("$PROMETHEUS_OPERATOR", "$po", "example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml",
     "v1", "monitoring.coreos.com-podmonitor-v1.json"),
    ("$PROMETHEUS_OPERATOR", "$po", "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml",
     "v1", "monitoring.coreos.com-prometheusrule-v1.json"),
    ("$KEDA", "$keda", "config/crd/bases/keda.sh_triggerauthentications.yaml",
     "v1alpha1", "keda.sh-triggerauthentication-v1alpha1.json"),
]


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


for module, moddir, path, version, name in crds:
    with open(moddir + "/" + path) as fh:
        crd = yaml.safe_load(fh)
    ver = next(v for v in crd["spec"]["versions"] if v["name"] == version)
    schema = strip(ver["schema"]["openAPIV3Schema"])
    doc = {"\$comment": "openAPIV3Schema of %s %s/%s from %s, %s (descriptions left out); "
                        "written by deploy/schemas/extract-crds.sh"
                        % (crd["spec"]["names"]["kind"], crd["spec"]["group"], version, module, path)}
    doc.update(schema)
    with open(out + "/" + name, "w") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True)
        fh.write("\n")
    print("%s: %s %s" % (name, crd["spec"]["names"]["kind"], module))
PY
