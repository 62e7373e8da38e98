package policy

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The name checks are written out rather than compiled from regexps at
// start (a cold-start cost): the regexps they replace judge every
// string the same — hand-picked edges, then random strings over an
// alphabet of every class's boundaries, non-ASCII and invalid UTF-8.
func TestNamesMatchRegexps(t *testing.T) {
	for _, c := range []struct {
		name string
		is   func(string) bool
		re   *regexp.Regexp
	}{
		{"isSourceName", isSourceName, regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)},
		{"isEnvName", isEnvName, regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			cases := []string{"", "a", "Z", "0", "9", "-", "_", "_A", "-a", "a-", "a_", "A_B", "desk", "zendesk-eu_2",
				"SLAWATCH_ZENDESK_API_TOKEN", "_X", "X1", "1X", "x", "Xy", "A B", "A\n", "a\n", "\na", "é", "aé", "A\xff", "\xff",
				strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("A", 200), "a" + strings.Repeat("-", 63), "a" + strings.Repeat("-", 64)}
			const alphabet = "aAzZ09_-@[`{/: \n\x00\x7féÄ\xff"
			rng := rand.New(rand.NewPCG(1, 2))
			for range 20000 {
				var b strings.Builder
				for range rng.IntN(70) {
					// Mostly valid characters, so that long valid names occur.
					if rng.IntN(10) < 8 {
						b.WriteByte("aAzZ09_-"[rng.IntN(8)])
					} else {
						b.WriteByte(alphabet[rng.IntN(len(alphabet))])
					}
				}
				cases = append(cases, b.String())
			}
			yes := 0
			for _, s := range cases {
				want := c.re.MatchString(s)
				if got := c.is(s); got != want {
					t.Errorf("%s(%q) = %v, the regexp says %v", c.name, s, got, want)
				}
				if want {
					yes++
				}
			}
			// Both answers must be exercised for the comparison to mean anything.
			if yes < 100 || len(cases)-yes < 100 {
				t.Fatalf("%d of %d cases match: too one-sided", yes, len(cases))
			}
		})
	}
}
