#include "testnet/app.h"
int tn_cmd_attack(struct tn_app *a, int argc, char **argv) { return tn_fail("todo"); }
