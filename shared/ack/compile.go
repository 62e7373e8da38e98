package ack

import (
	"errors"
	"slices"

	"github.com/slawatch/slawatch/shared/policy"
)

// Compile parses and lints the configuration's templates (the built-in
// ones for classes it does not give) with the built-in and the configured
// blame phrases. Its errors are policy.Errors at the configured lines, as
// policy.Parse reports the rest of the file.
func Compile(a policy.Acks) (Templates, error) {
	var errs policy.Errors
	texts := map[string]string{}
	for class, l := range a.Templates {
		texts[class] = l.Value
	}
	var phrases []string
	var phraseAt []policy.Located
	for _, p := range a.BlamePhrases {
		if Normalize(p.Value) == "" {
			errs = append(errs, p.Errorf("phrase %q has no letters or digits to match", p.Value))
			continue
		}
		phrases, phraseAt = append(phrases, p.Value), append(phraseAt, p)
	}
	t, err := ParseWithPhrases(texts, phrases)
	if err != nil {
		all := []error{err}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			all = j.Unwrap()
		}
		for _, e := range all {
			errs = append(errs, locate(a, e, phrases, phraseAt))
		}
	}
	if len(errs) > 0 {
		return Templates{}, errs
	}
	return t, nil
}

// locate places a template error in the file: at the line of the
// configured template, or — for a built-in template that a configured
// phrase fails — at that phrase.
func locate(a policy.Acks, e error, phrases []string, phraseAt []policy.Located) *policy.FieldError {
	var le *LintError
	if !errors.As(e, &le) {
		return a.At.Errorf("%v", e)
	}
	if l, ok := a.Templates[le.Template]; ok {
		at := l.Location
		at.Line = l.LineAt(le.Offset)
		return at.Errorf("%s", le.Msg)
	}
	at := a.At
	if i := slices.IndexFunc(phrases, func(p string) bool { return Normalize(p) == le.Phrase }); i >= 0 {
		at = phraseAt[i].Location
	}
	return at.Errorf("the built-in %s template has it: %s; write acknowledgements.templates.%s or drop the phrase", le.Template, le.Msg, le.Template)
}
