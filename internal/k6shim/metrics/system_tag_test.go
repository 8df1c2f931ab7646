package metrics

import "testing"

// TestSystemTagNames: the tags' names and bits are k6's (the names are the tag keys of samples).
func TestSystemTagNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tag  SystemTag
		name string
		bit  uint
	}{
		{TagProto, "proto", 0}, {TagStatus, "status", 2}, {TagMethod, "method", 3}, {TagURL, "url", 4},
		{TagName, "name", 5}, {TagErrorCode, "error_code", 9}, {TagExpectedResponse, "expected_response", 13},
		{TagIter, "iter", 14}, {TagVU, "vu", 15}, {TagIP, "ip", 17},
	} {
		if got := tc.tag.String(); got != tc.name {
			t.Errorf("tag %d: String() = %q, want %q", tc.tag, got, tc.name)
		}
		if tc.tag != SystemTag(1)<<tc.bit {
			t.Errorf("tag %s: value %d, want bit %d", tc.name, tc.tag, tc.bit)
		}
	}
	if got := SystemTag(3).String(); got != "SystemTag(3)" {
		t.Errorf("String of a non-tag: %q", got)
	}
}

func TestSystemTagSet(t *testing.T) {
	t.Parallel()
	var none *SystemTagSet
	if none.Has(TagURL) {
		t.Error("a nil set has no tag")
	}
	set := NewSystemTagSet(TagURL, TagVU)
	if !set.Has(TagURL) || !set.Has(TagVU) || set.Has(TagName) {
		t.Errorf("set %b: want url and vu only", *set)
	}
	if !DefaultSystemTagSet.Has(TagName) || DefaultSystemTagSet.Has(TagVU) {
		t.Error("the default set has name, not vu")
	}
	tm := TagsAndMeta{Tags: (&TagSet{}).With("scenario", "default")}
	tm.SetSystemTagOrMetaIfEnabled(set, TagURL, "http://x")
	tm.SetSystemTagOrMetaIfEnabled(set, TagName, "n")
	tm.SetSystemTagOrMetaIfEnabled(set, TagVU, "7")
	if got := tm.Tags.Map(); len(got) != 2 || got["url"] != "http://x" {
		t.Errorf("tags %v: want scenario and url", got)
	}
	if tm.Metadata["vu"] != "7" {
		t.Errorf("metadata %v: want vu (not indexable)", tm.Metadata)
	}
}
