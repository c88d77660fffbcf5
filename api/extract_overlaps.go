package api

import (
	"context"

	"cadastre/spatial"
	"cadastre/spatial/extract"
)

// checkAllowOverlaps refuses allow_overlaps on a rejection or without a
// reason: overriding the overlap rule is a registrar's decision on the
// record.
func checkAllowOverlaps(q *DecisionRequest) error {
	switch {
	case !q.AllowOverlaps:
		return nil
	case !*q.Accept:
		return spatial.Invalid("bad decision", []spatial.Problem{{Index: -1, Field: "allow_overlaps", Reason: "only an acceptance can allow overlaps"}})
	case q.Reason == "":
		return spatial.Invalid("bad decision", []spatial.Problem{{Index: -1, Field: "reason", Reason: "allowing overlaps with neighbours needs a reason"}})
	}
	return nil
}

// acceptOverlaps is the overlap check of an acceptance, run inside tx
// after the measured boundary is written and before the decision is:
// the ingest's rule against the stored neighbours (extract.AcceptOverlaps).
// Refused (409 naming the neighbours and areas) unless d allows overlaps;
// then the overlaps go into the decision's recorded reason.
func acceptOverlaps(ctx context.Context, tx spatial.Tx, key spatial.PlotKey, d *extract.Decision) error {
	ovs, err := extract.AcceptOverlaps(ctx, tx, key, d.AllowOverlaps)
	if err != nil {
		return err
	}
	if len(ovs) > 0 {
		d.Reason += " (overlaps allowed: " + extract.DescribeOverlaps(ovs) + ")"
	}
	return nil
}
