/*
 * spf_suite: openspf YAML suite loader (see spf_suite.h).
 */
#include "spf_suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static void *
xzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

static char *
dupn(const void *s, size_t n)
{
	char *p = xzalloc(n + 1);

	memcpy(p, s, n);
	return p;
}

static yaml_node_t *
node(yaml_document_t *d, int id)
{
	return yaml_document_get_node(d, id);
}

static int
is_scalar(yaml_node_t *n, const char *s)
{
	return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == strlen(s) &&
	    memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

/* Value of key in a mapping node, or NULL. */
static yaml_node_t *
get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++)
		if (is_scalar(node(d, p->key), key))
			return node(d, p->value);
	return NULL;
}

static char *
scalar(yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return dupn(n->data.scalar.value, n->data.scalar.length);
}

static struct suite_rr *
add_rr(struct suite_name *nm, const char *type)
{
	struct suite_rr *rr;

	nm->rr = realloc(nm->rr, (nm->nrr + 1) * sizeof(*nm->rr));
	if (nm->rr == NULL)
		abort();
	rr = &nm->rr[nm->nrr++];
	memset(rr, 0, sizeof(*rr));
	snprintf(rr->type, sizeof(rr->type), "%s", type);
	return rr;
}

static void
set_strings(yaml_document_t *d, struct suite_rr *rr, yaml_node_t *v)
{
	if (v->type == YAML_SCALAR_NODE) {
		rr->nstrs = 1;
		rr->strs = xzalloc(sizeof(char *));
		rr->lens = xzalloc(sizeof(size_t));
		rr->strs[0] = dupn(v->data.scalar.value, v->data.scalar.length);
		rr->lens[0] = v->data.scalar.length;
		return;
	}
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	rr->strs = xzalloc(n * sizeof(char *));
	rr->lens = xzalloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *s = node(d, v->data.sequence.items.start[i]);
		if (s && s->type == YAML_SCALAR_NODE) {
			rr->strs[rr->nstrs] = dupn(s->data.scalar.value, s->data.scalar.length);
			rr->lens[rr->nstrs++] = s->data.scalar.length;
		}
	}
}

static void
copy_strings(struct suite_rr *dst, const struct suite_rr *src)
{
	dst->nstrs = src->nstrs;
	dst->strs = xzalloc(src->nstrs * sizeof(char *));
	dst->lens = xzalloc(src->nstrs * sizeof(size_t));
	for (size_t i = 0; i < src->nstrs; i++) {
		dst->strs[i] = dupn(src->strs[i], src->lens[i]);
		dst->lens[i] = src->lens[i];
	}
}

static int
load_name(yaml_document_t *d, const char *name, yaml_node_t *list, struct suite_name *nm)
{
	int gen_txt = 1;
	size_t nspf;

	nm->name = dupn(name, strlen(name));
	if (list == NULL || list->type != YAML_SEQUENCE_NODE)
		return -1;
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++) {
		yaml_node_t *e = node(d, *it);
		if (is_scalar(e, "TIMEOUT")) {
			nm->timeout = 1;
			continue;
		}
		if (e == NULL || e->type != YAML_MAPPING_NODE)
			return -1;
		for (yaml_node_pair_t *p = e->data.mapping.pairs.start;
		    p < e->data.mapping.pairs.top; p++) {
			yaml_node_t *k = node(d, p->key), *v = node(d, p->value);
			char *type = scalar(k);
			struct suite_rr *rr;
			if (type == NULL || v == NULL)
				return -1;
			if (strcmp(type, "TXT") == 0)
				gen_txt = 0;
			if ((strcmp(type, "TXT") == 0 || strcmp(type, "SPF") == 0) &&
			    is_scalar(v, "NONE")) {
				free(type);
				continue;
			}
			rr = add_rr(nm, type);
			free(type);
			if (strcmp(rr->type, "TXT") == 0 || strcmp(rr->type, "SPF") == 0) {
				set_strings(d, rr, v);
			} else if (strcmp(rr->type, "MX") == 0) {
				yaml_node_t *pref, *host;
				if (v->type != YAML_SEQUENCE_NODE ||
				    v->data.sequence.items.top - v->data.sequence.items.start != 2)
					return -1;
				pref = node(d, v->data.sequence.items.start[0]);
				host = node(d, v->data.sequence.items.start[1]);
				char *ps = scalar(pref);
				rr->pref = ps ? (unsigned)atoi(ps) : 0;
				free(ps);
				rr->text = scalar(host);
			} else {
				rr->text = scalar(v);
			}
			if (rr->text == NULL && rr->nstrs == 0 && strcmp(rr->type, "TXT") != 0 &&
			    strcmp(rr->type, "SPF") != 0)
				return -1;
		}
	}
	/* The suite's convention: SPF records double as TXT unless TXT given. */
	nspf = nm->nrr;
	for (size_t i = 0; gen_txt && i < nspf; i++) {
		if (strcmp(nm->rr[i].type, "SPF") == 0) {
			struct suite_rr copy = nm->rr[i];
			struct suite_rr *rr = add_rr(nm, "TXT");
			copy_strings(rr, &copy);
		}
	}
	return 0;
}

static void
add_case(struct suite *s, size_t gi, yaml_document_t *d, const char *name,
    yaml_node_t *t)
{
	struct suite_case *c;
	yaml_node_t *r = get(d, t, "result");

	s->cases = realloc(s->cases, (s->ncases + 1) * sizeof(*s->cases));
	if (s->cases == NULL)
		abort();
	c = &s->cases[s->ncases++];
	memset(c, 0, sizeof(*c));
	c->name = dupn(name, strlen(name));
	c->helo = scalar(get(d, t, "helo"));
	c->host = scalar(get(d, t, "host"));
	c->mailfrom = scalar(get(d, t, "mailfrom"));
	c->explanation = scalar(get(d, t, "explanation"));
	if (r && r->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = r->data.sequence.items.start;
		    it < r->data.sequence.items.top && c->nresults < 8; it++)
			c->results[c->nresults++] = scalar(node(d, *it));
	} else if (r) {
		c->results[c->nresults++] = scalar(r);
	}
	c->gi = gi;
}

int
suite_load(const char *path, struct suite *s, char *err, size_t errsz)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t parser;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (f == NULL) {
		snprintf(err, errsz, "cannot open %s", path);
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	for (;;) {
		yaml_document_t doc;
		yaml_node_t *root, *tests, *zone;
		struct suite_group *g;

		if (!yaml_parser_load(&parser, &doc)) {
			snprintf(err, errsz, "%s: YAML error: %s (line %zu)", path,
			    parser.problem ? parser.problem : "?", parser.problem_mark.line + 1);
			rc = -1;
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (root == NULL) {
			yaml_document_delete(&doc);
			break;
		}
		s->groups = realloc(s->groups, (s->ngroups + 1) * sizeof(*s->groups));
		if (s->groups == NULL)
			abort();
		g = &s->groups[s->ngroups++];
		memset(g, 0, sizeof(*g));
		g->description = scalar(get(&doc, root, "description"));
		if (g->description == NULL)
			g->description = dupn("?", 1);
		zone = get(&doc, root, "zonedata");
		if (zone && zone->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *p = zone->data.mapping.pairs.start;
			    p < zone->data.mapping.pairs.top; p++) {
				char *name = scalar(node(&doc, p->key));
				g->names = realloc(g->names, (g->nnames + 1) * sizeof(*g->names));
				if (g->names == NULL || name == NULL)
					abort();
				memset(&g->names[g->nnames], 0, sizeof(*g->names));
				if (load_name(&doc, name, node(&doc, p->value), &g->names[g->nnames++]) < 0) {
					snprintf(err, errsz, "%s: bad zone data for %s", path, name);
					rc = -1;
				}
				free(name);
			}
		}
		tests = get(&doc, root, "tests");
		if (tests && tests->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *p = tests->data.mapping.pairs.start;
			    p < tests->data.mapping.pairs.top; p++) {
				char *name = scalar(node(&doc, p->key));
				if (name == NULL)
					abort();
				add_case(s, s->ngroups - 1, &doc, name, node(&doc, p->value));
				free(name);
			}
		}
		yaml_document_delete(&doc);
		if (rc < 0)
			break;
	}
	yaml_parser_delete(&parser);
	fclose(f);
	/* Case group pointers are fixed up once the group array stopped moving. */
	for (size_t i = 0; i < s->ncases; i++) {
		s->cases[i].zone = &s->groups[s->cases[i].gi];
		s->cases[i].group = s->cases[i].zone->description;
	}
	return rc;
}

void
suite_free(struct suite *s)
{
	for (size_t i = 0; i < s->ngroups; i++) {
		struct suite_group *g = &s->groups[i];
		for (size_t j = 0; j < g->nnames; j++) {
			struct suite_name *nm = &g->names[j];
			for (size_t k = 0; k < nm->nrr; k++) {
				for (size_t m = 0; m < nm->rr[k].nstrs; m++)
					free(nm->rr[k].strs[m]);
				free(nm->rr[k].strs);
				free(nm->rr[k].lens);
				free(nm->rr[k].text);
			}
			free(nm->rr);
			free(nm->name);
		}
		free(g->names);
		free(g->description);
	}
	for (size_t i = 0; i < s->ncases; i++) {
		struct suite_case *c = &s->cases[i];
		free(c->name);
		free(c->helo);
		free(c->host);
		free(c->mailfrom);
		free(c->explanation);
		for (size_t k = 0; k < c->nresults; k++)
			free(c->results[k]);
	}
	free(s->cases);
	free(s->groups);
	memset(s, 0, sizeof(*s));
}

int
suite_result_ok(const struct suite_case *c, const char *result)
{
	for (size_t i = 0; i < c->nresults; i++)
		if (c->results[i] && strcmp(c->results[i], result) == 0)
			return 1;
	return 0;
}
