#!/usr/bin/env bash
# Draw the cost-per-job plots of docs/performance.md from a cimjob-bench JSON file:
#   docs/perf-teardown.png  teardown time per process against processes in the job (10..1000)
#   docs/perf-query.png     ns per query / lookup against jobs in the registry (10..10 000)
#   tools/plot-bench.sh BENCH.json [OUTDIR]     (OUTDIR defaults to docs/)
set -euo pipefail
cd "$(dirname "$0")/.."
json=${1:?usage: tools/plot-bench.sh BENCH.json [OUTDIR]}
out=${2:-docs}
command -v gnuplot >/dev/null || { . tools/deps.sh; cimjob_need_packages gnuplot-nox; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$json" "$tmp" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d.get("scaling", {})
with open(sys.argv[2] + "/teardown.dat", "w") as f:
    for r in s.get("teardown", []):
        f.write("%d %g %g\n" % (r["processes"], r["library_us_per_process"], r["baseline_us_per_process"]))
with open(sys.argv[2] + "/query.dat", "w") as f:
    for r in s.get("query", []):
        f.write("%d %g %g\n" % (r["jobs"], r["query_ns"], r["find_ns"]))
m = d.get("meta", {})
with open(sys.argv[2] + "/title.txt", "w") as f:
    f.write("%s cores, Linux %s, %s%s" % (m.get("cores", "?"), m.get("kernel", "?"),
            m.get("date", "?")[:10], ", --quick" if m.get("quick") else ""))
PY
title=$(cat "$tmp/title.txt")
mkdir -p "$out"
if [ -s "$tmp/teardown.dat" ]; then
    gnuplot <<GP
set terminal pngcairo size 800,500
set output "$out/perf-teardown.png"
set title "Kill of one job: time per process (lower is better)\n{/*0.8 $title}"
set logscale x
set xlabel "processes in the job"
set ylabel "microseconds per process"
set yrange [0:*]
set key top right
set grid
plot "$tmp/teardown.dat" using 1:2 with linespoints lw 2 pt 7 title "libcimjob Kill (auto containment)", \
     "$tmp/teardown.dat" using 1:3 with linespoints lw 2 pt 5 title "kill(-pgid, SIGKILL) + subreaper reaping"
GP
    echo "wrote $out/perf-teardown.png"
fi
if [ -s "$tmp/query.dat" ]; then
    gnuplot <<GP
set terminal pngcairo size 800,500
set output "$out/perf-query.png"
set title "Per-call cost against registry size (lower is better)\n{/*0.8 $title}"
set logscale x
set xlabel "live jobs in the registry"
set ylabel "nanoseconds per call"
set yrange [0:*]
set key top left
set grid
plot "$tmp/query.dat" using 1:2 with linespoints lw 2 pt 7 title "cimjob\\\\_query (one job)", \
     "$tmp/query.dat" using 1:3 with linespoints lw 2 pt 5 title "cimjob\\\\_find + release (by InstanceID)", \
     200 with lines dt 2 lc rgb "gray" title "goal: 200 ns"
GP
    echo "wrote $out/perf-query.png"
fi
