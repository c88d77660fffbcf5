// Package deps pins the module dependencies while packages are being written.
package deps

import (
	_ "github.com/gorilla/mux"
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/paulmach/orb"
	_ "github.com/tidwall/rtree"
	_ "github.com/twpayne/go-geom"
	_ "modernc.org/sqlite"
)
