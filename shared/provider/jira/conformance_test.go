package jira_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/jira"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// TestConformance runs every genuine Jira payload (testdata/genuine, see
// SOURCES.md there) through Verify and Parse, signed at test time as Jira
// signs it, with delivery id "dlv". Expected values are read off the
// payloads by hand; the domain is that of issue.fields.reporter.emailAddress
// (hidden, so absent, in the Cloud comment bodies).
func TestConformance(t *testing.T) {
	ms := func(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
	tm := func(s string) time.Time {
		v, err := time.Parse("2006-01-02T15:04:05.000-0700", s)
		if err != nil {
			panic(err)
		}
		return v.UTC()
	}
	const dlv = "dlv"
	tests := []struct {
		file    string
		want    []event.Event
		ignored string
	}{
		// Created. Cloud 2019 bodies carry no accountType but for the
		// first; the author is then unknown.
		{file: "webhook-cloud-issue-created-many-fields.json", want: []event.Event{{
			Domain: "example.com", TicketID: "KT-22", ID: dlv, Kind: event.TicketCreated, OccurredAt: ms(1566935004475),
			Priority: event.Normal, Status: event.New, Tags: []string{"Label1", "Label2"}, Author: event.Agent,
		}}},
		{file: "webhook-issue-created.json", want: []event.Event{{
			Domain: "gmail.com", TicketID: "TES-41", ID: dlv, Kind: event.TicketCreated, OccurredAt: ms(1550286113023),
			Priority: event.High, Status: event.New, Tags: []string{"test-label"},
		}}},

		// Comments. Cloud: comment_created with the issue.
		{file: "webhook-cloud-comment-created.json", want: []event.Event{{
			TicketID: "TES-41", ID: "comment:10019", Kind: event.AgentReply, OccurredAt: tm("2019-02-15T19:11:18.321-0800"),
			Author: event.Agent, Public: true,
		}}},
		// Server: comment_created without the issue, then the same
		// comment in jira:issue_updated issue_commented.
		{file: "webhook-server-comment-created.json", ignored: "jira comment_created without an issue (Jira Server/Data Center): the comment is taken from its jira:issue_updated issue_commented delivery"},
		{file: "webhook-server-issue-updated-commented-1.json", want: []event.Event{{
			Domain: "mattermost.com", TicketID: "PRJX-14", ID: "comment:10082", Kind: event.AgentReply, OccurredAt: tm("2019-06-04T00:15:17.234+0000"),
			Author: event.Agent, Public: true,
		}}},
		{file: "webhook-server-issue-updated-commented-2.json", want: []event.Event{{
			Domain: "mattermost.com", TicketID: "PRJA-42", ID: "comment:10118", Kind: event.AgentReply, OccurredAt: tm("2019-06-28T21:32:16.057+0000"),
			Author: event.Agent, Public: true,
		}}},
		// The reporter (user key "test") comments: the customer.
		{file: "webhook-issue-comment-created-indentation.json", want: []event.Event{{
			Domain: "gmail.com", TicketID: "TEST-4", ID: "comment:10503", Kind: event.CustomerMessage, OccurredAt: tm("2020-06-27T00:44:57.013+0000"),
			Author: event.Customer,
		}}},
		// Jira Server before 7.x: no issue_event_type_name.
		{file: "webhook-server-old-issue-updated-no-event-type-commented.json", want: []event.Event{{
			Domain: "mattermost.com", TicketID: "PRJX-14", ID: "comment:10082", Kind: event.AgentReply, OccurredAt: tm("2019-06-04T00:15:17.234+0000"),
			Author: event.Agent, Public: true,
		}}},
		// Edits and deletions are not replies.
		{file: "webhook-cloud-comment-updated.json", ignored: `jira event "comment_updated" is not tracked`},
		{file: "webhook-server-comment-updated.json", ignored: `jira event "comment_updated" is not tracked`},
		{file: "webhook-cloud-comment-deleted.json", ignored: `jira event "comment_deleted" is not tracked`},
		{file: "webhook-server-issue-updated-comment-edited.json", ignored: "jira:issue_updated for an edited or deleted comment is not tracked"},
		{file: "webhook-server-old-issue-updated-no-event-type-comment-edited.json", ignored: "jira:issue_updated for an edited or deleted comment is not tracked"},
		{file: "webhook-server-issue-updated-comment-deleted.json", ignored: "jira:issue_updated without a status, priority or labels change is not tracked"},

		// Status changes: the resolution item beside the status is not
		// tracked.
		{file: "webhook-server-issue-updated-resolved.json", want: []event.Event{{
			Domain: "admin.com", TicketID: "TES-4", ID: dlv + "#status", Kind: event.StatusChanged, OccurredAt: ms(1565652182025), Status: event.Solved,
		}}},
		{file: "webhook-server-issue-updated-closed.json", want: []event.Event{{
			Domain: "example.com", TicketID: "TES-4", ID: dlv + "#status", Kind: event.StatusChanged, OccurredAt: ms(1565752078358), Status: event.Closed,
		}}},
		{file: "webhook-server-issue-updated-in-progress.json", want: []event.Event{{
			Domain: "example.com", TicketID: "TES-4", ID: dlv + "#status", Kind: event.StatusChanged, OccurredAt: ms(1565751753680), Status: event.Open,
		}}},
		// "Reopened" sits in the To Do category in this workflow.
		{file: "webhook-server-issue-updated-reopened.json", want: []event.Event{{
			Domain: "example.com", TicketID: "TES-4", ID: dlv + "#status", Kind: event.StatusChanged, OccurredAt: ms(1565751703657), Status: event.New,
		}}},
		{file: "webhook-issue-updated-resolved.json", want: []event.Event{{
			Domain: "gmail.com", TicketID: "TES-41", ID: dlv + "#status", Kind: event.StatusChanged, OccurredAt: ms(1550286940507), Status: event.Solved,
		}}},

		// Priority and labels.
		{file: "webhook-issue-updated-raised-priority.json", want: []event.Event{{
			Domain: "gmail.com", TicketID: "TES-41", ID: dlv + "#priority", Kind: event.PriorityChanged, OccurredAt: ms(1550351716080), Priority: event.High,
		}}},
		{file: "webhook-issue-updated-lowered-priority.json", want: []event.Event{{
			Domain: "gmail.com", TicketID: "TES-41", ID: dlv + "#priority", Kind: event.PriorityChanged, OccurredAt: ms(1550351632565), Priority: event.Low,
		}}},
		{file: "webhook-issue-updated-labels.json", want: []event.Event{{
			Domain: "gmail.com", TicketID: "TES-41", ID: dlv + "#labels", Kind: event.TagsChanged, OccurredAt: ms(1550351530065), Tags: []string{"sad", "test-label"},
		}}},

		// Not tracked.
		{file: "webhook-issue-updated-assigned.json", ignored: "jira:issue_updated without a status, priority or labels change is not tracked"},
		{file: "webhook-issue-deleted.json", ignored: `jira event "jira:issue_deleted" is not tracked`},
	}

	var files []string
	for _, tt := range tests {
		files = append(files, tt.file)
		t.Run(tt.file, func(t *testing.T) {
			r := provider.Request{Method: "POST", URL: "https://slawatch.example/webhooks/jira", Header: header("", dlv),
				Body: providertest.Genuine(t, tt.file)}
			s := settings()
			res := providertest.Parsed(t, jira.Adapter{}, providertest.SignAs("jira", s.Secret, s.Now()), r, s)
			if res.Ignored != tt.ignored || res.Reply != nil {
				t.Fatalf("Ignored = %q, Reply = %v; want ignored %q", res.Ignored, res.Reply, tt.ignored)
			}
			for i := range tt.want {
				tt.want[i].Source = "jira"
			}
			providertest.CheckEvents(t, res.Events, tt.want)
		})
	}
	providertest.CheckCorpus(t, providertest.GenuineDir, files)
}
