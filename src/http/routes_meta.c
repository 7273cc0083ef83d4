/*
 * routes_meta.c — what the web shows people instead of codes: the labels
 * of every machine's states and actions (from the machines themselves,
 * domain/fsm_registry.c), of the problem channels, the roles and the
 * notification kinds. Any logged-in user may read them.
 */
#include <stddef.h>

#include "core/xz.h"
#include "domain/authz.h"
#include "domain/fsm.h"
#include "domain/fsm_registry.h"
#include "domain/notify.h"
#include "domain/problem.h"
#include "http/http.h"

static int meta_labels(struct xz_req *r)
{
	json_t *machines = json_object(), *channels = json_object(), *roles = json_object(),
	       *kinds = json_object(), *labels;
	const struct xz_fsm *const *m;
	const char *action;
	json_t *v;
	size_t i;

	for (m = xz_fsm_registry; *m; m++) {
		labels = xz_fsm_labels(*m);
		/* a notification about an action carries the action as its kind */
		json_object_foreach(json_object_get(labels, "actions"), action, v)
		    json_object_set(kinds, action, v);
		json_object_set_new(machines, (*m)->name, labels);
	}
	for (i = 0; xz_problem_notification_kinds[i].code; i++)
		json_object_set_new(kinds, xz_problem_notification_kinds[i].code,
				    json_string(xz_problem_notification_kinds[i].label));
	for (i = 0; xz_notify_kinds[i].code; i++) /* an action's own label stays */
		if (!json_object_get(kinds, xz_notify_kinds[i].code))
			json_object_set_new(kinds, xz_notify_kinds[i].code,
					    json_string(xz_notify_kinds[i].label));
	for (i = 0; xz_problem_channels[i]; i++)
		json_object_set_new(channels, xz_problem_channels[i],
				    json_string(xz_problem_channel_labels[i]));
	for (i = 0; i < XZ_ROLE_COUNT; i++)
		json_object_set_new(roles, xz_role_name(xz_all_roles[i]),
				    json_string(xz_role_label(xz_all_roles[i])));
	return xz_reply(r, 200,
			json_pack("{s:o,s:o,s:o,s:o}", "machines", machines, "channels", channels,
				  "roles", roles, "notification_kinds", kinds));
}

const struct xz_route xz_routes_meta[] = {
    {"GET", "/api/v1/meta/labels", meta_labels, "self", 0},
    {NULL, NULL, NULL, NULL, 0},
};
