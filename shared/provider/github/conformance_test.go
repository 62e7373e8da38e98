package github_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/github"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// TestConformance runs every genuine GitHub payload (testdata/genuine, see
// SOURCES.md there) through Verify and Parse, signed at test time as GitHub
// signs it. X-GitHub-Event is the file name up to the first dot. Expected
// values are read off the payloads by hand.
func TestConformance(t *testing.T) {
	const (
		dlv    = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
		hello  = "Codertocat/Hello-World#1"
		opened = "2019-05-15T15:20:18Z"
	)
	tm := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return v
	}
	// Every published example is by the repository's owner, Codertocat.
	created := event.Event{TicketID: hello, ID: dlv, Kind: event.TicketCreated, OccurredAt: tm(opened),
		Channel: event.Web, Tags: []string{"bug"}, Author: event.Agent, Public: true}
	reply := event.Event{TicketID: hello, ID: dlv, Kind: event.AgentReply, OccurredAt: tm("2019-05-15T15:20:21Z"),
		Author: event.Agent, Public: true}
	tests := []struct {
		file    string
		want    *event.Event
		ignored string
	}{
		{file: "issues.opened.payload.json", want: &created},
		{file: "issues.opened.with-organization.payload.json", want: &created},
		{file: "issues.opened.with-empty-body.payload.json", want: &created},
		{file: "issues.opened.with-transfer.payload.json", want: &created},
		{file: "issues.reopened.payload.json", want: &event.Event{TicketID: hello, ID: dlv, Kind: event.StatusChanged,
			OccurredAt: tm("2021-10-11T16:40:56Z"), Status: event.Open}},
		// "bug" states no priority.
		{file: "issues.labeled.payload.json", want: &event.Event{TicketID: hello, ID: dlv, Kind: event.TagsChanged,
			OccurredAt: tm(opened), Tags: []string{"bug"}}},
		// As published, the unlabeled example still lists "bug" on the issue.
		{file: "issues.unlabeled.payload.json", want: &event.Event{TicketID: hello, ID: dlv, Kind: event.TagsChanged,
			OccurredAt: tm("2019-05-15T15:20:26Z"), Tags: []string{"bug"}}},
		{file: "issues.edited.payload.json", ignored: "issues.edited is not tracked"},
		{file: "issues.assigned.payload.json", ignored: "issues.assigned is not tracked"},
		{file: "issues.deleted.payload.json", ignored: "issues.deleted is not tracked"},
		{file: "issues.milestoned.payload.json", ignored: "issues on a pull request is not tracked"},
		{file: "issue_comment.created.payload.json", want: &reply},
		{file: "issue_comment.created.1.payload.json", want: &reply},
		{file: "issue_comment.created.with-organization.payload.json", want: &reply},
		{file: "issue_comment.created.with-installation.payload.json", want: &reply},
		{file: "issue_comment.edited.payload.json", ignored: "issue_comment.edited is not tracked"},
		{file: "issue_comment.deleted.payload.json", ignored: "issue_comment.deleted is not tracked"},
	}

	var files []string
	for _, tt := range tests {
		files = append(files, tt.file)
		t.Run(tt.file, func(t *testing.T) {
			h := http.Header{}
			h.Set(github.EventHeader, eventOf(tt.file))
			h.Set(github.DeliveryHeader, dlv)
			r := provider.Request{Method: "POST", URL: "https://slawatch.example/webhooks/github", Header: h,
				Body: providertest.Genuine(t, tt.file)}
			s := settings()
			res := providertest.Parsed(t, github.Adapter{}, providertest.SignAs("github", s.Secret, time.Now()), r, s)
			if res.Ignored != tt.ignored || res.Reply != nil {
				t.Fatalf("Ignored = %q, Reply = %v; want ignored %q", res.Ignored, res.Reply, tt.ignored)
			}
			var want []event.Event
			if tt.want != nil {
				want = []event.Event{*tt.want}
				want[0].Source = "github"
			}
			providertest.CheckEvents(t, res.Events, want)
		})
	}
	providertest.CheckCorpus(t, providertest.GenuineDir, files)
}
