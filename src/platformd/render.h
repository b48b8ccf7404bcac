/*
 * render: the JSON views of the store, shaped as the Machines API answers
 * (fly-machines-api.md §5; fixtures/fly-api-docs).
 *
 * Every function builds a new cJSON tree owned by the caller (cJSON_Delete)
 * from records it only reads; call with the state lock held.
 *
 * Collaborators: state.h (records), volume.h (usage figures), the routes.
 */
#ifndef PGDECK_SRC_PLATFORMD_RENDER_H
#define PGDECK_SRC_PLATFORMD_RENDER_H

#include <cjson/cJSON.h>

#include "src/platformd/state.h"
#include "src/platformd/volume.h"

/* The image labels of M (flex labels for flyio/postgres-flex). */
cJSON *render_labels(const struct st_machine *m);

/* A Machine; SUMMARY omits config, checks, events, host_status, nonce. */
cJSON *render_machine(const struct st_machine *m, int summary);

/* One MachineEvent. */
cJSON *render_event(const struct st_event *e);

/* A Volume; U may be NULL (block fields 0, fstype ""). */
cJSON *render_volume(const struct st_volume *v, const struct vol_usage *u);

/* A VolumeSnapshot. */
cJSON *render_snapshot(const struct st_snapshot *s);

/* An app as in the list (with counts) or as GET answers it. */
cJSON *render_app(const struct st_app *a);

/* The lease envelope {"status":"success","data":{...}} of M. */
cJSON *render_lease(const struct st_machine *m);

#endif
