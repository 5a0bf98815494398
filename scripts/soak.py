#!/usr/bin/env python3
"""Soak test of a crdtdb cluster on this machine: one real `crdtdb serve` per region, steady writes
in every region for N minutes, the resident memory, open descriptors, data directory and status of
every replica sampled all along; then quiescence, convergence and a verdict on growth. Writes
soak.json, soak.html and soak.svg (the charts) into the run folder.

  scripts/soak.py                      10 minutes at 20 writes/s per region (the documented run)
  scripts/soak.py --minutes 0.5        a quick check of the script itself, about a minute in all
  scripts/soak.py --judge sim-runs/RUN/soak.json   judge a saved run again

Exit status: 0 converged, every invariant held and no resource grew without bound (the criterion
is printed and in docs/reliability.md); 1 a check failed; 2 bad arguments or regions file; 3 the
run could not be carried out (binary missing, a replica did not start); 130 interrupted.
It reuses the simulation's modules (scripts/sim/, docs/simulation.md). Python 3 standard library.
"""

import argparse
import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path

if sys.version_info < (3, 10):
    sys.exit(f"soak: needs Python 3.10 or later, this is {sys.version.split()[0]}")
if not sys.platform.startswith("linux"):
    sys.exit("soak: reads /proc, so runs on Linux only")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from simulate import make_run_dir  # noqa: E402  (after the path set-up above)
from sim import console as console_output  # noqa: E402
from sim import soak_report  # noqa: E402
from sim.cluster import ClusterError  # noqa: E402
from sim.processes import Terminated, install_exit_handlers  # noqa: E402
from sim.scenario import ScenarioError, parse_scenario  # noqa: E402
from sim.soak_run import SoakRun  # noqa: E402
from sim.topology import TopologyError, load_topology  # noqa: E402
from sim.wan import WanError  # noqa: E402
from sim.yaml_subset import YamlError  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXIT_PASSED, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_COULD_NOT_RUN, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
SAMPLES_PER_RUN_MIN = 20  # the sample interval shrinks for short runs, to judge growth at all
PROBE_INTERVAL_MS = 1000  # the observers only need to see every probe by the end, not time it


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="how long the writes run (default 10; 0.5 for a quick check; at most 60)")
    parser.add_argument("--rate", type=float, default=20.0,
                        help="writes per second offered in each region (default 20)")
    parser.add_argument("--sample-s", type=float, default=10.0,
                        help="seconds between samples (default 10; at most a twentieth of the run)")
    parser.add_argument("--regions", type=Path, default=REPO / "regions.example.yaml",
                        help="regions file: the region names (default: regions.example.yaml)")
    parser.add_argument("--binary", type=Path, default=REPO / "build" / "src" / "cli" / "crdtdb",
                        help="the crdtdb binary (default: build/src/cli/crdtdb)")
    parser.add_argument("--out", type=Path, default=REPO / "sim-runs",
                        help="where run folders are made (default: sim-runs/, git-ignored)")
    parser.add_argument("--seed", type=int, default=1, help="the workload's random choices (default 1)")
    parser.add_argument("--wan", action="store_true",
                        help="connect the regions through the WAN emulator with the regions file's "
                             "latencies (default: directly on loopback)")
    parser.add_argument("--timeout-scale", type=float, default=1.0,
                        help="multiplies the settle, start-up and CLI timeouts (e.g. 3 for a sanitizer build)")
    parser.add_argument("--judge", type=Path, metavar="SOAK_JSON",
                        help="run nothing: judge the samples of a saved run (its soak.json) again with "
                             "today's criterion, print the summary, exit as that run would")
    options = parser.parse_args(argv)
    if not 1 / 60 <= options.minutes <= 60:
        parser.error("--minutes must be from 1/60 to 60")
    if options.sample_s <= 0 or options.timeout_scale < 1:
        parser.error("--sample-s must be positive and --timeout-scale at least 1")
    options.sample_s = min(options.sample_s, options.minutes * 60 / SAMPLES_PER_RUN_MIN)
    return options


def soak_scenario(options, regions):
    """The simulation's workload, no faults, at the soak's rate (scenario.py checks the values)."""
    return parse_scenario({"name": "soak", "description": "steady writes, no faults",
                           "duration_s": options.minutes * 60, "write_rate_per_region": options.rate,
                           "probe_interval_ms": PROBE_INTERVAL_MS, "seed": options.seed},
                          regions, "soak options")


def snapshot_binary(options):
    """Runs the soak on a copy of the binary in the run folder: a build of the same tree during the
    run (another engineer, CI) rewrites build/src/cli/crdtdb, and the replicas and the CLI runs
    must stay one and the same program for the whole run."""
    source = options.binary.resolve()
    options.binary_source = str(source)
    options.binary_built_at = datetime.datetime.fromtimestamp(source.stat().st_mtime).astimezone().isoformat(
        timespec="seconds")
    copy = options.run_dir / "bin" / "crdtdb"
    copy.parent.mkdir()
    shutil.copy2(source, copy)
    check = subprocess.run([str(copy), "--version"], capture_output=True, timeout=30)
    if check.returncode != 0:  # copied in the middle of a link, say
        raise OSError(f"the copy of {source} does not run (`--version` exited {check.returncode}); try again")
    options.binary = copy


def judge_saved_run(path):
    try:
        report = soak_report.rejudge(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError) as e:
        print(f"soak: {path}: cannot judge it: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"soak: {path}, judged again with today's criterion", end="")
    print(soak_report.summary(report), end="")
    return EXIT_PASSED if report["verdict"]["passed"] else EXIT_FAILED


def main(argv=None):
    options = parse_arguments(argv)
    if options.judge:
        return judge_saved_run(options.judge)
    try:
        topology = load_topology(options.regions)
        scenario = soak_scenario(options, topology.regions)
    except (TopologyError, ScenarioError, YamlError, OSError) as e:
        print(f"soak: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not options.binary.is_file():
        print(f"soak: no crdtdb binary at {options.binary}; build it with "
              f"`cmake --preset dev && cmake --build --preset dev --target crdtdb`", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    print(f"soak: {', '.join(topology.regions)}; {scenario.duration_s:g} s of writes at "
          f"{scenario.write_rate_per_region:g}/s per region, a sample every {options.sample_s:g} s", flush=True)
    install_exit_handlers()
    out = console_output.Console()
    try:
        options.run_dir = make_run_dir(options.out, "soak")
        snapshot_binary(options)
        run = SoakRun(options, topology, scenario, out)
        final, violations, checks = run.execute()
    except (ClusterError, WanError, OSError) as e:
        out.event(f"soak: the run could not be carried out: {e}")
        return EXIT_COULD_NOT_RUN
    except (KeyboardInterrupt, Terminated) as e:
        out.event(f"soak: interrupted ({e or 'Ctrl-C'}); every process it started was stopped")
        return EXIT_INTERRUPTED
    report = soak_report.build(run, final, violations, checks)
    soak_report.write_all(report, options.run_dir)
    print(soak_report.summary(report), end="")
    print(f"report: {options.run_dir / 'soak.html'} (charts also in soak.svg, figures in soak.json)")
    return EXIT_PASSED if report["verdict"]["passed"] else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
