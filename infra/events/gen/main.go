// Command gen regenerates the API Gateway events in infra/events from
// infra/events/templates and the Webhook secrets in infra/events/env.json,
// stamping the current time and signing each request as its helpdesk does.
// Zendesk, Front and HubSpot sign a timestamp that slawatch refuses after
// five minutes, so run it just before `sam local invoke`:
//
//	go run ./infra/events/gen
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/slawatch/slawatch/infra/events/internal/eventgen"
)

func main() {
	dir := flag.String("dir", "", "the infra/events directory (default: found from the module root)")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		dir = filepath.Join(root, "infra", "events")
	}
	now := time.Now()
	files, err := eventgen.Generate(dir, dir, func(string) time.Time { return now })
	if err != nil {
		return err
	}
	wd, _ := os.Getwd()
	for _, f := range files {
		name := filepath.Join(dir, f.Name)
		if rel, err := filepath.Rel(wd, name); err == nil {
			name = rel
		}
		note := ""
		if slices.Contains(eventgen.TimeLimited, f.Provider) {
			note = ", valid for 5 minutes"
		}
		fmt.Printf("wrote %s (%s, signed at %s%s)\n", name, f.Source, f.SignedAt.Format(time.RFC3339), note)
	}
	return nil
}

// moduleRoot finds the directory holding go.mod, from the working directory
// up.
func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", errors.New("no go.mod in the working directory or above; run from the repository or pass -dir")
		}
		d = up
	}
}
