package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"cadastre/spatial"
)

// runMerge handles `cadastre merge --commune CODE --scheme keep|continue
// [--on YYYY-MM-DD] [--apply]` (issue 18): it plans the renumbering of the
// units merged into the commune, checks it in a transaction it rolls back
// (the dry run, the default) and, with --apply, writes it in one
// transaction: the renumbered versions with their notes, the former keys
// retired, the lineage that maps them.
func runMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("cadastre merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := cfg.register(fs); err != nil {
		return err
	}
	commune := fs.String("commune", "", "the current commune the former units merged into (required)")
	scheme := fs.String("scheme", spatial.SchemeContinue, "renumbering: keep (former numbers under the former unit) or continue (sheets after the commune's highest number)")
	onText := fs.String("on", "", "date the merger took effect, YYYY-MM-DD (default: the units' merged_on)")
	apply := fs.Bool("apply", false, "write the merge (without it: plan and dry run, nothing stored)")
	by := fs.String("by", "", "who makes the change (required with --apply)")
	reason := fs.String("reason", "", "why (default: the scheme and the date)")
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *commune == "" || fs.NArg() > 0 || (*apply && *by == "") {
		return usageError{errors.New("usage: cadastre merge --commune CODE [--scheme keep|continue] [--on YYYY-MM-DD] [--apply --by NAME]")}
	}
	var on time.Time
	if *onText != "" {
		t, err := time.Parse(time.DateOnly, *onText)
		if err != nil {
			return usageError{fmt.Errorf("--on %q: want YYYY-MM-DD", *onText)}
		}
		on = t
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	store, err := openExistingStore(ctx, cfg, log, "--gpkg")
	if err != nil {
		return err
	}
	defer store.Close()
	w, ok := store.(spatial.Writer)
	if !ok {
		return errors.New("this store cannot write in one transaction")
	}
	plan, err := spatial.PlanMergeIn(ctx, store, *scheme, *commune, on)
	if err != nil {
		return err
	}
	c := spatial.Change{By: *by, Reason: *reason, Source: "cadastre merge"}
	if c.By == "" {
		c.By = "dry run"
	}
	if c.Reason == "" {
		c.Reason = fmt.Sprintf("Sáp nhập đơn vị hành chính từ ngày %s: %s (%s)", plan.On.Format("02/01/2006"), *commune, *scheme)
	}
	if _, err := spatial.ApplyMerge(ctx, w, plan, c, !*apply); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(plan)
	}
	for _, m := range plan.Sheets {
		fmt.Fprintf(stdout, "sheet %s -> %s  %s\n", m.From, m.To, m.Note)
	}
	verb := "would write"
	if *apply {
		verb = "wrote"
	}
	_, err = fmt.Fprintf(stdout, "%d sheets renumbered, %d plots mapped; %s %d plot versions, %d sheets, retired %d former keys\n",
		len(plan.Sheets), len(plan.Plots), verb, len(plan.Batch.Plots), len(plan.Batch.Sheets), len(plan.Batch.Retire))
	return err
}
