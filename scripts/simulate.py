#!/usr/bin/env python3
"""Multi-region simulation of a crdtdb cluster on this machine: one real `crdtdb serve` per region
behind a userspace WAN emulator that imposes the regions file's latencies, writes in every region,
faults on a timeline (partitions, one-way cuts, kill -9), then a verdict: converged, and no
acknowledged write lost. Writes an HTML and a JSON report into the run folder.

  scripts/simulate.py                                   the built-in scenario on regions.example.yaml
  scripts/simulate.py --scenario scenarios/ci.yaml      a scenario file
  scripts/simulate.py --dry-run                         check the inputs, print the timeline

Exit status: 0 every check passed; 1 a check failed (see the summary and report); 2 bad
arguments, regions file or scenario; 3 the run could not be carried out (a replica did not start,
the binary is missing); 130 interrupted. docs/simulation.md explains everything.
Python 3 standard library only.
"""

import argparse
import dataclasses
import datetime
import sys
from pathlib import Path

if sys.version_info < (3, 10):
    sys.exit(f"simulate: needs Python 3.10 or later, this is {sys.version.split()[0]}")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim import console as console_output  # noqa: E402  (after the path set-up above)
from sim.cluster import ClusterError  # noqa: E402
from sim.processes import Terminated, install_exit_handlers  # noqa: E402
from sim.run import Run  # noqa: E402
from sim.scenario import (ScenarioError, builtin_scenario, load_scenario,  # noqa: E402
                          scenario_regions_file)
from sim.topology import TopologyError, load_topology  # noqa: E402
from sim.wan import WanError  # noqa: E402
from sim.yaml_subset import YamlError  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXIT_PASSED, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_COULD_NOT_RUN, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regions", type=Path,
                        help="regions file: names, links, nodes (default: the one the scenario names, "
                             "else regions.example.yaml)")
    parser.add_argument("--scenario", type=Path,
                        help="scenario file, YAML or .json (default: the built-in scenario)")
    parser.add_argument("--binary", type=Path, default=REPO / "build" / "src" / "cli" / "crdtdb",
                        help="the crdtdb binary (default: build/src/cli/crdtdb)")
    parser.add_argument("--out", type=Path, default=REPO / "sim-runs",
                        help="where run folders are made (default: sim-runs/)")
    parser.add_argument("--seed", type=int, help="overrides the scenario's seed")
    parser.add_argument("--timeout-scale", type=float, default=1.0,
                        help="multiplies every timeout (settle, start-up, CLI); e.g. 3 for a sanitizer build")
    parser.add_argument("--dry-run", action="store_true",
                        help="check the regions file and the scenario, print the timeline, run nothing")
    options = parser.parse_args(argv)
    if options.timeout_scale < 1:
        parser.error("--timeout-scale must be at least 1")
    return options


def load_inputs(options):
    if options.regions is None:
        named = scenario_regions_file(options.scenario) if options.scenario is not None else None
        options.regions = named or REPO / "regions.example.yaml"
    topology = load_topology(options.regions)
    nodes = {n: r for r in topology.regions if topology.is_multi_node(r) for n in topology.nodes_of(r)}
    spares = {n: r for r in topology.regions for n in topology.spares_of(r)}
    if options.scenario is None:
        scenario = builtin_scenario(topology.regions, nodes)
    else:
        scenario = load_scenario(options.scenario, topology.regions, nodes, spares,
                                 topology.replication_factor)
    if options.seed is not None:
        scenario = dataclasses.replace(scenario, seed=options.seed)
    return topology, scenario


def describe(topology, scenario):
    lines = [f"scenario {scenario.name}: {scenario.description or '(no description)'}",
             f"  regions {', '.join(_region_text(topology, r) for r in topology.regions)}; "
             f"writes for {scenario.duration_s:g} s at "
             f"{scenario.write_rate_per_region:g}/s per region, seed {scenario.seed}"]
    lines += [f"  t={t:5.1f}s  {text}" for t, text in scenario.timeline()]
    lines += [f"  warning: {w}" for w in topology.warnings]
    return "\n".join(lines)


def _region_text(topology, region):
    if not topology.is_multi_node(region):
        return region
    spares = topology.spares_of(region)
    return (f"{region} (nodes {', '.join(topology.nodes_of(region))}"
            + (f", spare {', '.join(spares)}" if spares else "")
            + f"; replication factor {topology.replication_factor[region]})")


def make_run_dir(out, scenario_name):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for suffix in [""] + [f"-{i}" for i in range(2, 100)]:
        run_dir = out / f"{stamp}-{scenario_name}{suffix}"
        try:
            run_dir.mkdir(parents=True)
            return run_dir
        except FileExistsError:
            continue
    raise OSError(f"cannot make a new run folder under {out}")


def main(argv=None):
    options = parse_arguments(argv)
    try:
        topology, scenario = load_inputs(options)
    except (TopologyError, ScenarioError, YamlError, OSError) as e:
        print(f"simulate: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(describe(topology, scenario), flush=True)
    if options.dry_run:
        return EXIT_PASSED
    if not options.binary.is_file():
        print(f"simulate: no crdtdb binary at {options.binary}; build it with "
              f"`cmake --preset dev && cmake --build --preset dev --target crdtdb`", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    install_exit_handlers()
    out = console_output.Console()
    try:
        options.run_dir = make_run_dir(options.out, scenario.name)
        report = Run(options, topology, scenario, out).execute()
    except (ClusterError, WanError, OSError) as e:
        out.event(f"simulate: the run could not be carried out: {e}")
        return EXIT_COULD_NOT_RUN
    except (KeyboardInterrupt, Terminated) as e:
        out.event(f"simulate: interrupted ({e or 'Ctrl-C'}); every process it started was stopped")
        return EXIT_INTERRUPTED
    print(console_output.summary(report), end="")
    print(f"report: {options.run_dir / 'report.html'} (figures also in report.json)")
    return EXIT_PASSED if report["verdict"]["passed"] else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
