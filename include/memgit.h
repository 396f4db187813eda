/*
 * memgit - change control for AI-agent memory. The whole public API.
 */
#ifndef MEMGIT_H
#define MEMGIT_H

#include "memgit/common.h"
#include "memgit/errors.h"
#include "memgit/buf.h"
#include "memgit/store.h"
#include "memgit/memory.h"
#include "memgit/write.h"
#include "memgit/read.h"
#include "memgit/transfer.h"
#include "memgit/dream.h"
#include "memgit/session.h"
#include "memgit/grade.h"

#endif
