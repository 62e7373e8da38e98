package helpscout_test

import (
	"fmt"
	"testing"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// Help Scout's docs list source.type "beacon", but a captured Beacon 2.0
// conversation says "beacon-v2" (testdata/genuine/lightward_api_convo_beacon.json):
// both were written on the web, not sent by email.
func TestBeaconSourceIsWeb(t *testing.T) {
	tests := []struct {
		source string
		want   event.Channel
	}{
		{"beacon-v2", event.Web},
		{"beacon", event.Web},
		{"Beacon-V2", event.Web},
		{"web", event.Web},
		{"email", event.Email},
		{"emailfwd", event.Email},
		{"api", event.API},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			body := fmt.Sprintf(`{"id":1,"type":"email","createdAt":"2024-06-21T15:00:57Z",
				"createdBy":{"id":7,"type":"customer"},"source":{"type":%q,"via":"customer"}}`, tt.source)
			res, err := parse("convo.created", []byte(body), provider.Settings{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Events) != 1 || res.Events[0].Channel != tt.want {
				t.Fatalf("events %+v, want one on channel %q", res.Events, tt.want)
			}
		})
	}
}
