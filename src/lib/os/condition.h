/* Checking a Condition*=/Assert*= test against this system (files, users, the kernel). */
#pragma once

#include "unitrun.h"

/* value without the "|"/"!" prefixes. 1: it holds, 0: it does not, < 0: cannot tell. */
int condition_test(ur_condition_kind kind, const char *value);
