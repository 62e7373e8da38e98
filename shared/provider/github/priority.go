package github

import (
	"slices"
	"strings"

	"github.com/slawatch/slawatch/shared/event"
)

// levels are the priority words recognised in labels.
var levels = map[string]event.Priority{
	"p0": event.Urgent, "p1": event.High, "p2": event.Normal, "p3": event.Low, "p4": event.Low,
	"urgent": event.Urgent, "critical": event.Urgent,
	"high":   event.High,
	"medium": event.Normal, "normal": event.Normal,
	"low": event.Low,
}

// labelPriority reads a priority from one label name. Recognised, in any
// case and with ":", "/", "-", "_" or spaces between the words:
//
//   - "P0" … "P4" (P0 urgent, P1 high, P2 normal, P3 and P4 low);
//   - "urgent";
//   - "priority" or "prio" and a level: "priority: high", "priority/P1",
//     "prio-urgent", where a level is P0–P4, urgent, critical, high, medium,
//     normal or low;
//   - a level and "priority": "high priority", "low-priority".
//
// A bare "critical", "high" or "low" is not a priority: repositories use
// such labels for severity, impact or effort.
func labelPriority(name string) (event.Priority, bool) {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return r == ':' || r == '/' || r == '-' || r == '_' || r == ' ' || r == '\t'
	})
	isPrio := func(w string) bool { return w == "priority" || w == "prio" }
	switch {
	case len(words) == 1 && (words[0] == "urgent" || len(words[0]) == 2 && words[0][0] == 'p'):
		p, ok := levels[words[0]]
		return p, ok
	case len(words) == 2 && isPrio(words[0]):
		p, ok := levels[words[1]]
		return p, ok
	case len(words) == 2 && isPrio(words[1]):
		p, ok := levels[words[0]]
		return p, ok
	}
	return "", false
}

// highestPriority returns the highest priority among the labels, if any
// label states one.
func highestPriority(labels []string) (event.Priority, bool) {
	best, found := event.Priority(""), false
	for _, l := range labels {
		if p, ok := labelPriority(l); ok && (!found || rank(p) > rank(best)) {
			best, found = p, true
		}
	}
	return best, found
}

func rank(p event.Priority) int { return slices.Index(event.Priorities(), p) }
