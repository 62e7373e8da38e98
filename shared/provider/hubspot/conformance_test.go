package hubspot_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/hubspot"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// conformance is one genuine batch — as HubSpot sent it to another project,
// which published it; testdata/genuine/SOURCES.md says where each comes
// from — and what slawatch must make of it. The expected result is written
// by hand from the batch.
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
			r := provider.Request{Method: http.MethodPost, URL: "https://slawatch.example.com/webhooks/hubspot",
				Body: providertest.Genuine(t, tt.file)}
			s := provider.Settings{Source: "hubspot", Secret: secret, Window: provider.DefaultWindow,
				Now: func() time.Time { return now }}
			res := providertest.Parsed(t, hubspot.Adapter{}, providertest.SignAs("hubspot", secret, now), r, s)
			// No batch here carries an agent's reply: a MESSAGE does not
			// say who wrote it.
			providertest.CheckResult(t, res, tt.want, tt.ignored, false)
		})
	}
}

// TestConformanceCoversEveryFile keeps a batch dropped into
// testdata/genuine from going untested, and every batch's provenance
// recorded.
func TestConformanceCoversEveryFile(t *testing.T) {
	var files []string
	for _, c := range conformanceCases() {
		files = append(files, c.file)
	}
	providertest.CheckCorpus(t, providertest.GenuineDir, files)
}
