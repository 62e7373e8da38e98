package hubspot_test

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/hubspot"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// genuineDir holds event batches HubSpot sent to other projects, as they
// published them; testdata/genuine/SOURCES.md says where each comes from.
const genuineDir = "testdata/genuine"

// conformance is one genuine batch and what slawatch must make of it. The
// expected result is written by hand from the batch.
type conformance struct {
	file    string
	want    []event.Event
	ignored string
}

func conformanceCases() []conformance {
	return []conformance{
		{
			// A visitor's chat message, captured in production by a bot
			// that answers visitors. A MESSAGE does not say who wrote it,
			// so it is not taken as either side's message.
			file: "sidekick_conversation_new_message.json",
			ignored: "conversation.newMessage MESSAGE is not tracked (the webhook does not say who wrote it; " +
				"subscribe to the ticket reply-date properties instead)",
		},
	}
}

// TestConformance signs every genuine batch as HubSpot does (v3, with a
// fresh timestamp) and verifies and parses it.
func TestConformance(t *testing.T) {
	secret := []byte("hubspot-conformance-secret")
	now := time.Now()
	for _, tt := range conformanceCases() {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(genuineDir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			r := provider.Request{Method: http.MethodPost, URL: "https://slawatch.example.com/webhooks/hubspot", Body: body}
			if err := providertest.Sign("hubspot", secret, &r, now); err != nil {
				t.Fatal(err)
			}
			s := provider.Settings{Source: "hubspot", Secret: secret, Window: provider.DefaultWindow,
				Now: func() time.Time { return now }}
			a := hubspot.Adapter{}
			if err := a.Verify(r, s); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			res, err := a.Parse(r, s)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if res.Ignored != tt.ignored {
				t.Errorf("Ignored = %q, want %q", res.Ignored, tt.ignored)
			}
			if !reflect.DeepEqual(res.Events, tt.want) {
				t.Errorf("events:\n got %+v\nwant %+v", res.Events, tt.want)
			}
			for _, e := range res.Events {
				if err := e.Validate(); err != nil {
					t.Errorf("invalid event: %v", err)
				}
			}
		})
	}
}

// TestConformanceCoversEveryFile keeps a batch dropped into
// testdata/genuine from going untested, and every batch's provenance
// recorded.
func TestConformanceCoversEveryFile(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(genuineDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk, inTable []string
	for _, p := range paths {
		onDisk = append(onDisk, filepath.Base(p))
	}
	for _, c := range conformanceCases() {
		inTable = append(inTable, c.file)
	}
	slices.Sort(inTable)
	if !slices.Equal(onDisk, inTable) {
		t.Errorf("testdata/genuine has %v,\nTestConformance covers %v", onDisk, inTable)
	}
	sources, err := os.ReadFile(filepath.Join(genuineDir, "SOURCES.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range onDisk {
		if !strings.Contains(string(sources), "`"+f+"`") {
			t.Errorf("SOURCES.md does not say where %s comes from", f)
		}
	}
}
