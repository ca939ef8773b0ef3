#!/usr/bin/env bash
# Inference scored on frameworks the graph does not ship (issue 15): SP 800-53 rev 5 and SOC 2 imported from
# CISO Assistant's libraries, with the NIST CSF 2.0 export's SP 800-53 references and CISO Assistant's
# SOC 2 -> ISO/IEC 27001:2022 set; then CSA's own CCM -> SP 800-53 and CCM -> SOC 2 (AICPA TSC 2017) lists
# from the CCM bundle, read as external gold sets (`evaluate --gold`): CCM -> SP 800-53 through CSF 2.0,
# CCM -> SOC 2 through ISO/IEC 27002 and 27001:2022. CSA's lists are never imported here.
# Usage: bench/imported_gold.sh WORK_DIR   (reference files from $CONTROLGRAPH_REFERENCE or ../shared/reference)
set -euo pipefail
WORK=${1:?work directory}
HERE=$(cd "$(dirname "$0")/.." && pwd)
REF=${CONTROLGRAPH_REFERENCE:-$(cd "$HERE/.." && pwd)/shared/reference}
PY=${PYTHON:-$HERE/.venv/bin/python}
export PYTHONPATH="$HERE/server${PYTHONPATH:+:$PYTHONPATH}"
STORE="$WORK/store"
cg() { "$PY" -m controlgraph --store "$STORE" "$@"; }
mkdir -p "$WORK"
rm -rf "$STORE"
cg build > /dev/null
cg import ciso-yaml "$REF/ciso-assistant/nist-sp-800-53-rev5.yaml" | tail -1
cg import ciso-yaml "$REF/ciso-assistant/soc2_2017_with_rev_2022.yaml" \
                    "$REF/ciso-assistant/mapping-soc2-2017-rev-2022-to-iso27001-2022.yaml" | tail -1
cg import csf-xlsx "$REF/nist-csf-2.0/csf2-reference-tool-export_2024-06-17.xlsx" | tail -1
"$PY" - "$REF/csa-ccm-4.0.12/json-dataset/CCM/mappings" "$WORK" <<'EOF'
import csv, sys
from pathlib import Path
from controlgraph.importers.ccm_references import reference_pairs
folders, work = Path(sys.argv[1]), Path(sys.argv[2])
for folder, name in (("NIST_800_53_rev5", "ccm-sp800-53.csv"), ("AICPA_TSC_2017", "ccm-soc2.csv")):
    with (work / name).open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["subject", "object"])
        writer.writerows(sorted(set(reference_pairs(folders / folder))))
EOF
cg evaluate --gold "$WORK/ccm-sp800-53.csv" --gold "$WORK/ccm-soc2.csv" "${@:2}"
