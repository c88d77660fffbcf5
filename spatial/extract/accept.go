package extract

import (
	"context"
	"fmt"
	"strings"

	"cadastre/spatial"
)

// MinAcceptOverlap is the overlap an accepted boundary may have with a
// stored neighbour, m²: the ingest's (ingest.Settings.MinOverlap's default),
// so that what an acceptance stores, a later ingest of the neighbour takes.
const MinAcceptOverlap = 0.01

// AcceptOverlaps runs the ingest's overlap check (spatial.Tx.Overlaps)
// inside tx, the transaction that wrote the accepted boundary of plot key,
// against the stored neighbours as that transaction sees them. It returns
// the neighbours overlapped and by how much (m², on the plot's plane).
// Unless allow, any overlap is refused: a KindConflict error naming each
// neighbour (Problem.Feature) and its area, and the caller rolls tx back.
// (An accepted boundary overlapping its neighbour used to be stored, and
// the next ingest of the neighbour then failed on an overlap its file did
// not make.)
func AcceptOverlaps(ctx context.Context, tx spatial.Tx, key spatial.PlotKey, allow bool) ([]NeighbourArea, error) {
	ovs, err := tx.Overlaps(ctx, MinAcceptOverlap)
	if err != nil {
		return nil, err
	}
	var out []NeighbourArea
	var probs []spatial.Problem
	for _, o := range ovs {
		n := o.B
		switch key {
		case o.A:
		case o.B:
			n = o.A
		default:
			continue // the transaction wrote only this plot; defensive
		}
		out = append(out, NeighbourArea{Key: n, Area: round4(o.Area)})
		probs = append(probs, spatial.Problem{Index: -1, Feature: n.String(), Field: "geometry",
			Reason: fmt.Sprintf("the accepted boundary of plot %s would overlap this stored plot by %.2f m²", key, o.Area)})
	}
	if len(out) == 0 || allow {
		return out, nil
	}
	return out, &spatial.Error{Kind: spatial.KindConflict, Problems: probs, Message: fmt.Sprintf(
		"accepting the boundary of plot %s would overlap %d stored neighbour(s) (%s): nothing stored; "+
			"correct the boundary, or accept with allow_overlaps and a reason", key, len(out), DescribeOverlaps(out))}
}

// DescribeOverlaps writes overlaps as "26734/12/7 0.75 m², ...", for
// messages and the recorded reason of an acceptance that allowed them.
func DescribeOverlaps(ovs []NeighbourArea) string {
	parts := make([]string, len(ovs))
	for i, o := range ovs {
		parts[i] = fmt.Sprintf("%s %.2f m²", o.Key, o.Area)
	}
	return strings.Join(parts, ", ")
}
