/*
 * A token scanner over JSON text that was already validated: strings (with
 * their escapes), the six punctuation marks, and literals (numbers, true,
 * false, null) taken as they are.
 */
#include "client/jsontext.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct tok {
	size_t start, end;          /* the token's text; start == end at the end of input */
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_delim(char c)
{
	return is_space(c) || strchr("{}[],:\"", c) != NULL;
}

/* The token at or after *pos; moves *pos past it. */
static struct tok next_tok(const char *s, size_t len, size_t *pos)
{
	size_t p = *pos;
	struct tok t;

	while (p < len && is_space(s[p]))
		p++;
	t.start = p;
	if (p >= len) {
		t.end = p;
	} else if (s[p] == '"') {
		for (p++; p < len && s[p] != '"'; p++)
			if (s[p] == '\\')
				p++;
		t.end = p < len ? p + 1 : len;
	} else if (strchr("{}[],:", s[p])) {
		t.end = p + 1;
	} else {
		while (p < len && !is_delim(s[p]))
			p++;
		t.end = p;
	}
	*pos = t.end;
	return t;
}

static char first(const char *s, struct tok t)
{
	return t.start < t.end ? s[t.start] : 0;
}

/* Moves *pos past one whole value; the value's span in *v. 0, or -1 on bad text. */
static int skip_value(const char *s, size_t len, size_t *pos, struct tok *v)
{
	struct tok t = next_tok(s, len, pos);
	int depth = 0;

	v->start = t.start;
	for (;;) {
		char c = first(s, t);
		if (!c)
			return -1;
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		if (depth < 0)
			return -1;
		if (depth == 0)
			break;
		t = next_tok(s, len, pos);
	}
	v->end = t.end;
	return 0;
}

int jsontext_member(const char *s, size_t len, const char *key, size_t *start, size_t *end)
{
	size_t pos = 0, kl = strlen(key);
	struct tok t = next_tok(s, len, &pos);

	if (first(s, t) != '{')
		return -1;
	for (;;) {
		struct tok k = next_tok(s, len, &pos), v;
		if (first(s, k) != '"' || first(s, next_tok(s, len, &pos)) != ':')
			return -1;
		if (skip_value(s, len, &pos, &v) < 0)
			return -1;
		if (k.end - k.start == kl + 2 && memcmp(s + k.start + 1, key, kl) == 0) {
			*start = v.start;
			*end = v.end;
			return 0;
		}
		if (first(s, next_tok(s, len, &pos)) != ',')
			return -1;
	}
}

struct out {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void put(struct out *o, const char *p, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2;
		char *b = realloc(o->buf, cap);
		if (!b) {
			o->failed = true;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len] = 0;
}

static void put_indent(struct out *o, int spaces)
{
	for (int i = 0; i < spaces; i++)
		put(o, " ", 1);
}

char *jsontext_pretty(const char *s, size_t len, int indent)
{
	struct out o = {NULL, 0, 0, false};
	size_t pos = 0;
	int level = 0;
	char prev = 0;
	bool fresh_line = false;

	put(&o, "", 0);
	for (;;) {
		struct tok t = next_tok(s, len, &pos);
		char c = first(s, t);
		if (!c)
			break;
		if (c == '}' || c == ']') {
			if (prev != '{' && prev != '[')
				put(&o, "\n", 1);
			level--;
			put_indent(&o, level * indent);
		} else if (fresh_line) {
			put_indent(&o, level * indent);
		}
		fresh_line = false;
		if (c == ',') {
			put(&o, ",\n", 2);
			fresh_line = true;
		} else if (c == ':') {
			put(&o, ": ", 2);
		} else {
			put(&o, s + t.start, t.end - t.start);
		}
		if (c == '{' || c == '[') {
			put(&o, "\n", 1);
			level++;
			fresh_line = true;
		}
		prev = c;
	}
	if (o.failed || level != 0) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}
