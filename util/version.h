/*
 * Flint's version, defined once: the number getnetworkinfo reports as
 * "version" (Bitcoin Core's CLIENT_VERSION form, major*10000 + minor*100 +
 * patch) and the BIP 14 user agent the version message and getnetworkinfo's
 * "subversion" both carry. Depends on nothing.
 */
#ifndef FLINT_UTIL_VERSION_H
#define FLINT_UTIL_VERSION_H

#define FLINT_VERSION_MAJOR 0
#define FLINT_VERSION_MINOR 1
#define FLINT_VERSION_PATCH 0

#define FLINT_STR_(x) #x
#define FLINT_STR(x) FLINT_STR_(x)

/* "0.1.0" */
#define FLINT_VERSION_STRING                                                   \
	FLINT_STR(FLINT_VERSION_MAJOR) "." FLINT_STR(FLINT_VERSION_MINOR) "."  \
	FLINT_STR(FLINT_VERSION_PATCH)
/* 10000 for 0.1.0 */
#define FLINT_VERSION_NUMBER                                                   \
	(FLINT_VERSION_MAJOR * 10000 + FLINT_VERSION_MINOR * 100 + FLINT_VERSION_PATCH)
/* "/Flint:0.1.0/", as Bitcoin Core's "/Satoshi:27.0.0/" */
#define FLINT_USER_AGENT "/Flint:" FLINT_VERSION_STRING "/"

#endif
