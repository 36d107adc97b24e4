/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: pinned sessions.  'monitor --pin NAME' (or 'start NAME') leaves the reporters and
 * the kdamond running after the loader exits: links and maps are pinned under
 * /sys/fs/bpf/damon-bpf/NAME/, what 'stop' needs is written to /run/damon-bpf/NAME.session.
 */
#ifndef DAMON_BPF_SESSION_H
#define DAMON_BPF_SESSION_H

#include "damon.h"
#include "reporter.h"

#define PIN_ROOT "/sys/fs/bpf/damon-bpf"
#define SESSION_DIR "/run/damon-bpf"

/* Refuses bad names and names of existing sessions. */
int session_check_name(const char *name);
/* The same, and checks bpffs for pinning; call before creating anything. */
int session_check_new(const char *name);
/* Pins r's maps and links, writes the session file; r's links are then disconnected. */
int session_pin(const char *name, struct reporter *r, const struct damon_session *d,
		const char *desc, int first_pid);

int cmd_stop(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
