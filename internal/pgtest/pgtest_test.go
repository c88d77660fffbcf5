package pgtest

import (
	"context"
	"github.com/jackc/pgx/v5"
	"testing"
)

func TestNew(t *testing.T) {
	u := New(t)
	c, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var v string
	if err := c.QueryRow(context.Background(), "select postgis_full_version()").Scan(&v); err != nil {
		t.Fatal(err)
	}
	t.Log(v)
}
