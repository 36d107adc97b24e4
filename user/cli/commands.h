/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: the subcommands; each parses its own arguments and returns the exit status.
 *
 * Layer cli/ (the top): argp per command and nothing else: a command line becomes a spec
 * (scheme commands, cli/options.c) or a struct of arguments, handed to the session layer.
 * May call session/ and spec/ (to build specs) and lib/; no I/O beyond parsing, but for
 * the checks of what only this machine can tell (online CPUs, nodes, THP).  Nothing calls
 * cli/ but main().
 */
#ifndef DAMON_BPF_COMMANDS_H
#define DAMON_BPF_COMMANDS_H

int cmd_count(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_reclaim(int argc, char **argv);
int cmd_collapse(int argc, char **argv);
int cmd_tier(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_args(int argc, char **argv);
int cmd_perf_plan(int argc, char **argv);	/* hidden: prints bpf/pmu.c's plan */

#endif
