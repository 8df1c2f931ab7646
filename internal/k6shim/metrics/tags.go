package metrics

import (
	"encoding/json"
	"maps"
)

// TagSet is an immutable set of tags: With and Without return a new set. (k6 builds it on a shared
// tree so that equal sets are the same pointer; the shim copies a small map instead, so compare tag
// sets with Map, not ==.)
type TagSet struct {
	tags map[string]string
}

// With returns the set with name set to value.
func (ts *TagSet) With(name, value string) *TagSet {
	out := make(map[string]string, len(ts.tags)+1)
	maps.Copy(out, ts.tags)
	out[name] = value
	return &TagSet{tags: out}
}

// Without returns the set without name.
func (ts *TagSet) Without(name string) *TagSet {
	if _, ok := ts.tags[name]; !ok {
		return ts
	}
	out := maps.Clone(ts.tags)
	delete(out, name)
	return &TagSet{tags: out}
}

// Get returns the value of the tag name.
func (ts *TagSet) Get(name string) (string, bool) {
	v, ok := ts.tags[name]
	return v, ok
}

// Contains reports whether every tag of other is in ts with the same value.
func (ts *TagSet) Contains(other *TagSet) bool {
	for k, v := range other.tags {
		if mine, ok := ts.tags[k]; !ok || mine != v {
			return false
		}
	}
	return true
}

// IsEmpty reports whether the set has no tags.
func (ts *TagSet) IsEmpty() bool { return len(ts.tags) == 0 }

// Map returns the tags as a new map.
func (ts *TagSet) Map() map[string]string {
	out := make(map[string]string, len(ts.tags))
	maps.Copy(out, ts.tags)
	return out
}

// WithTagsFromMap returns the set with every tag of m added.
func (ts *TagSet) WithTagsFromMap(m map[string]string) *TagSet {
	if len(m) == 0 {
		return ts
	}
	out := make(map[string]string, len(ts.tags)+len(m))
	maps.Copy(out, ts.tags)
	maps.Copy(out, m)
	return &TagSet{tags: out}
}

// MarshalJSON writes the tags as a JSON object.
func (ts *TagSet) MarshalJSON() ([]byte, error) { return json.Marshal(ts.tags) }

// TagsAndMeta are tags (indexed) and metadata (not indexed) of samples.
type TagsAndMeta struct {
	Tags     *TagSet
	Metadata map[string]string
}

// SetTag sets a tag.
func (tm *TagsAndMeta) SetTag(key, value string) { tm.Tags = tm.Tags.With(key, value) }

// SetMetadata sets a metadata value.
func (tm *TagsAndMeta) SetMetadata(key, value string) {
	if tm.Metadata == nil {
		tm.Metadata = map[string]string{}
	}
	tm.Metadata[key] = value
}

// DeleteTag removes a tag.
func (tm *TagsAndMeta) DeleteTag(key string) { tm.Tags = tm.Tags.Without(key) }

// DeleteMetadata removes a metadata value.
func (tm *TagsAndMeta) DeleteMetadata(key string) { delete(tm.Metadata, key) }

// Clone returns a copy whose metadata map is its own.
func (tm TagsAndMeta) Clone() TagsAndMeta {
	return TagsAndMeta{Tags: tm.Tags, Metadata: maps.Clone(tm.Metadata)}
}

// SetSystemTagOrMetaIfEnabled sets the system tag (see SetSystemTagOrMeta) if enabledSystemTags has it.
func (tm *TagsAndMeta) SetSystemTagOrMetaIfEnabled(enabledSystemTags *SystemTagSet, tag SystemTag, value string) {
	if enabledSystemTags.Has(tag) {
		tm.SetSystemTagOrMeta(tag, value)
	}
}

// SetSystemTagOrMeta sets the system tag as a tag, or as metadata when it is one of
// NonIndexableSystemTags.
func (tm *TagsAndMeta) SetSystemTagOrMeta(tag SystemTag, value string) {
	if NonIndexableSystemTags.Has(tag) {
		tm.SetMetadata(tag.String(), value)
		return
	}
	tm.SetTag(tag.String(), value)
}
