package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/silence"
)

func TestSilenceMaxDuration(t *testing.T) {
	const policies = "policies:\n  - name: a\n    first_response: {within: 1h}\n"
	for _, tc := range []struct {
		alerts  string
		want    time.Duration
		wantErr string
	}{
		{alerts: "", want: 14 * 24 * time.Hour},
		{alerts: "alerts: {storm_threshold: 5}\n", want: 14 * 24 * time.Hour},
		{alerts: "alerts:\n  silences:\n    max_duration: 72h\n", want: 72 * time.Hour},
		{alerts: "alerts:\n  silences: {max_duration: 2160h}\n", want: 90 * 24 * time.Hour},
		{alerts: "alerts:\n  silences: {max_duration: 2161h}\n", wantErr: "line 2: alerts.silences.max_duration: 2161h is longer than 2160h0m0s"},
		{alerts: "alerts:\n  silences: {max_duration: 0s}\n", wantErr: "alerts.silences.max_duration: duration \"0s\" must be positive"},
		{alerts: "alerts:\n  silences: {max_duration: forever}\n", wantErr: "alerts.silences.max_duration: bad duration \"forever\""},
		{alerts: "alerts:\n  silences: {max: 1h}\n", wantErr: `alerts.silences.max: unknown key "max"`},
	} {
		c, err := policy.Parse([]byte(tc.alerts + policies))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want %q", tc.alerts, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.alerts, err)
			continue
		}
		if c.Alerts.SilenceMaxDuration != tc.want {
			t.Errorf("%q: max duration %v, want %v", tc.alerts, c.Alerts.SilenceMaxDuration, tc.want)
		}
	}
	// The embedded default and the silence package agree on the default.
	if got := policy.Default().Alerts.SilenceMaxDuration; got != silence.DefaultMaxDuration {
		t.Errorf("default %v, silence.DefaultMaxDuration %v", got, silence.DefaultMaxDuration)
	}
	if d := policy.DefaultSilenceMaxDuration; d != silence.DefaultMaxDuration {
		t.Errorf("policy.DefaultSilenceMaxDuration %v, silence.DefaultMaxDuration %v", d, silence.DefaultMaxDuration)
	}
}
