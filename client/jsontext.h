/*
 * JSON as text: find a member's value inside a reply and re-indent a value,
 * leaving every token exactly as the node wrote it. flint-cli prints what
 * the node sent (an amount of 0.00000001 stays that, where a parse into
 * doubles and back would print 1e-08), as bitcoin-cli does. The text must
 * already be valid JSON (jansson checks it first); these functions only
 * find boundaries. Depends on libc only.
 */
#ifndef FLINT_CLIENT_JSONTEXT_H
#define FLINT_CLIENT_JSONTEXT_H

#include <stddef.h>

/*
 * In s[0..len), a JSON object, finds the top-level member named key (an
 * unescaped name). Returns 0 with [*start, *end) the value's text, or -1
 * when s is not an object or has no such member.
 */
int jsontext_member(const char *s, size_t len, const char *key, size_t *start, size_t *end)
	__attribute__((warn_unused_result));

/*
 * Returns the value s[0..len) re-indented the way bitcoin-cli prints a
 * result (members and elements one per line, indent spaces a level, "key":
 * value), as a new NUL-terminated string the caller frees; NULL when out of
 * memory or s is not one JSON value.
 */
char *jsontext_pretty(const char *s, size_t len, int indent) __attribute__((warn_unused_result));

#endif
