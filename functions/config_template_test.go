package functions_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestTemplateConfigParameterActions: every function that reads the
// configuration parameter may call exactly the SSM operations lambdaenv
// calls — GetParameter, and GetParameterHistory to fall back to the
// newest valid version when the current one is refused — on that one
// parameter, only when there is one. Without GetParameterHistory a
// refused version would fail every cold start (AccessDenied); anything
// more (GetParametersByPath, a wildcard) reaches other parameters.
func TestTemplateConfigParameterActions(t *testing.T) {
	tp := loadT(t)
	src, err := os.ReadFile(filepath.Join(tp.Root, "shared", "lambdaenv", "lambdaenv.go"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	// lambdaenv signs its own requests: the operations are the
	// X-Amz-Target values it sends ("AmazonSSM.GetParameter").
	for _, m := range regexp.MustCompile(`"AmazonSSM\.(\w+)"`).FindAllSubmatch(src, -1) {
		op := string(m[1])
		if !slices.Contains(want, "ssm:"+op) {
			want = append(want, "ssm:"+op)
		}
	}
	slices.Sort(want)
	if !slices.Equal(want, []string{"ssm:GetParameter", "ssm:GetParameterHistory"}) {
		t.Fatalf("lambdaenv calls %v: update this test with the calls and the template with their actions", want)
	}
	const resource = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ConfigParameterName}"
	for _, id := range tp.functionIDs() {
		fn := tp.Functions[id]
		if _, reads := envVars(fn)["SLAWATCH_CONFIG_PARAMETER"]; !reads {
			continue
		}
		var found int
		for _, p := range cfnList(fn["Policies"]) {
			cond := ""
			if args := cfnList(cfnMap(p)["Fn::If"]); len(args) == 3 {
				cond, _ = args[0].(string)
				p = args[1]
			}
			for _, s := range cfnList(cfnMap(p)["Statement"]) {
				s := cfnMap(s)
				var acts []string
				ssm := false
				for _, a := range cfnList(s["Action"]) {
					a, _ := a.(string)
					acts = append(acts, a)
					ssm = ssm || strings.HasPrefix(a, "ssm:")
				}
				if !ssm {
					continue
				}
				found++
				slices.Sort(acts)
				res := cfnList(s["Resource"])
				if !slices.Equal(acts, want) || cond != "HasConfigParameter" || len(res) != 1 || cfnMap(res[0])["Fn::Sub"] != resource {
					t.Errorf("%s: SSM statement %v (condition %q), want exactly %v on the configuration parameter %s under HasConfigParameter", id, s, cond, want, resource)
				}
			}
		}
		if found != 1 {
			t.Errorf("%s: %d SSM statements, want 1 granting %v on the configuration parameter", id, found, want)
		}
	}
}
