#pragma once
// xxHash (Debian's libxxhash-dev header) compiled into pgproof itself. libpg_query, which pgproof links
// for lint and the restore's statement parsing, exports an xxHash of its own under the same symbol
// names; inlining makes every fingerprint use this header's implementation, whatever the link order.
#define XXH_INLINE_ALL
#include <xxhash.h>
