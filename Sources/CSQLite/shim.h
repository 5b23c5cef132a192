// The system SQLite (libsqlite3-dev), for hot loops that bind values directly to a statement
// GRDB prepared (the same library GRDB links on Linux).
#include <sqlite3.h>
