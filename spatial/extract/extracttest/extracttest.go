// Package extracttest is the contract every extract.Store passes.
package extracttest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/extract"
)

// Run checks s: a submission is stored byte for byte, then its report,
// then one decision; every later step is refused with the right kind and
// nothing stored is lost.
func Run(t *testing.T, s extract.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	key := spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 45}
	rec := &extract.Record{Plot: key, PlotVersion: 2, Profile: extract.DefaultProfile, SubmittedBy: "token:surveyor",
		Submission: json.RawMessage(`{"scale": "1:1000",  "plot":"27001/12/45"}`)}
	if err := s.CreateExtract(ctx, rec); err != nil {
		t.Fatalf("CreateExtract: %v", err)
	}
	if rec.ID == 0 || rec.SubmittedAt.IsZero() {
		t.Fatalf("CreateExtract: got id %d at %v, want both set", rec.ID, rec.SubmittedAt)
	}
	got, err := s.Extract(ctx, rec.ID)
	if err != nil || got.Status != extract.StatusSubmitted || got.Plot != key || got.PlotVersion != 2 || string(got.Submission) != string(rec.Submission) {
		t.Fatalf("Extract after create: got %+v, %v", got, err)
	}
	if err := s.Decide(ctx, rec.ID, &extract.Decision{Accept: true, By: "r"}); spatial.KindOf(err) != spatial.KindConflict {
		t.Errorf("Decide before validation: got %v, want conflict", err)
	}
	report := json.RawMessage(`{"verdict":"within_tolerance","edges":[]}`)
	if err := s.SaveReport(ctx, rec.ID, extract.StatusValidated, extract.WithinTolerance, report); err != nil {
		t.Fatalf("SaveReport: %v", err)
	}
	if err := s.SaveReport(ctx, rec.ID, extract.StatusValidated, extract.OutOfTolerance, report); spatial.KindOf(err) != spatial.KindConflict {
		t.Errorf("second SaveReport: got %v, want conflict", err)
	}
	d := &extract.Decision{Accept: false, Reason: "neighbour disputes edge 2-3", By: "token:registrar"}
	if err := s.Decide(ctx, rec.ID, d); err != nil || d.At.IsZero() {
		t.Fatalf("Decide: %v (at %v)", err, d.At)
	}
	if err := s.Decide(ctx, rec.ID, &extract.Decision{Accept: true, By: "x"}); spatial.KindOf(err) != spatial.KindConflict {
		t.Errorf("second decision: got %v, want conflict", err)
	}
	got, err = s.Extract(ctx, rec.ID)
	if err != nil || got.Status != extract.StatusRejected || got.Verdict != extract.WithinTolerance || !jsonEqual(got.Report, report) ||
		len(got.Decisions) != 1 || got.Decisions[0].Reason != d.Reason || got.Decisions[0].Accept || got.Decisions[0].By != d.By {
		t.Errorf("Extract after decision: got %+v, %v", got, err)
	}
	for _, f := range []func() error{
		func() error { _, err := s.Extract(ctx, rec.ID+1000); return err },
		func() error { return s.SaveReport(ctx, rec.ID+1000, extract.StatusRefused, "", report) },
		func() error { return s.Decide(ctx, rec.ID+1000, &extract.Decision{By: "x"}) },
	} {
		if err := f(); spatial.KindOf(err) != spatial.KindNotFound {
			t.Errorf("unknown extract: got %v, want not found", err)
		}
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
