package facade

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// errNotJSON is the error of an answer body that is not JSON at all.
var errNotJSON = errors.New("not JSON")

// decodeLenient fills v, a pointer to a generated answer type, from a JSON body field by field, as the vendors'
// answers need: fields the type does not list are ignored, names match without regard to case (as
// encoding/json matches them), and a value that does not fit its field — a field the vendor types otherwise
// than its description, such as a date written as a string of another form — leaves that one field zero
// instead of failing the answer. So a field an operation does not use never fails it, and an operation that
// uses a field checks that it is there. Only a body that is not JSON, or whose top level does not fit v, is
// an error.
func decodeLenient(data []byte, v any) error {
	if !json.Valid(data) {
		return errNotJSON
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("decode into a non-pointer")
	}
	return fill(data, rv.Elem())
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// fill decodes data into v. The whole value is decoded at once when it fits; otherwise structs, pointers and
// slices are filled part by part, and what does not fit is left zero.
func fill(data []byte, v reflect.Value) error {
	err := json.Unmarshal(data, v.Addr().Interface())
	if err == nil {
		return nil
	}
	v.SetZero()
	if reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		return err // a type that decodes itself is decoded whole or not at all
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if ferr := fill(data, elem.Elem()); ferr != nil {
			return ferr
		}
		v.Set(elem)
		return nil
	case reflect.Struct:
		return fillStruct(data, v)
	case reflect.Slice:
		var items []json.RawMessage
		if uerr := json.Unmarshal(data, &items); uerr != nil {
			return uerr
		}
		out := reflect.MakeSlice(v.Type(), 0, len(items))
		for _, item := range items {
			e := reflect.New(v.Type().Elem()).Elem()
			if fill(item, e) == nil {
				out = reflect.Append(out, e) // an item that does not fit at all is left out
			}
		}
		v.Set(out)
		return nil
	}
	return err
}

// fillStruct decodes a JSON object into a struct field by field; a field whose value does not fit stays zero.
func fillStruct(data []byte, v reflect.Value) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return err
	}
	keys := slices.Sorted(maps.Keys(obj)) // the same key wins every time when several match a field without regard to case
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			_ = fillStruct(data, v.Field(i))
			continue
		}
		name := jsonName(f)
		if name == "" {
			continue
		}
		if raw, ok := lookupKey(obj, keys, name); ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			_ = fill(raw, v.Field(i)) // a value that does not fit leaves the field zero
		}
	}
	return nil
}

// jsonName is the name encoding/json gives a struct field; "" for a field it skips.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return f.Name
}

// lookupKey finds a field's value as encoding/json does: the exact key first, then one that matches without
// regard to case.
func lookupKey(obj map[string]json.RawMessage, keys []string, name string) (json.RawMessage, bool) {
	if raw, ok := obj[name]; ok {
		return raw, true
	}
	for _, k := range keys {
		if strings.EqualFold(k, name) {
			return obj[k], true
		}
	}
	return nil, false
}
