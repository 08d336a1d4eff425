package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestWriteCommand(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := writeCommand(w, "SET", "k", "a\r\nb", ""); err != nil {
		t.Fatal(err)
	}
	want := "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n$0\r\n\r\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
}

func TestReadReply(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want interface{}
	}{
		{"simple string", "+PONG\r\n", "PONG"},
		{"error", "-ERR wrong\r\n", RedisError("ERR wrong")},
		{"integer", ":42\r\n", int64(42)},
		{"negative integer", ":-2\r\n", int64(-2)},
		{"bulk", "$5\r\nhello\r\n", []byte("hello")},
		{"bulk with CRLF inside", "$4\r\na\r\nb\r\n", []byte("a\r\nb")},
		{"empty bulk", "$0\r\n\r\n", []byte{}},
		{"null bulk", "$-1\r\n", []byte(nil)},
		{"null array", "*-1\r\n", []interface{}(nil)},
		{"nested array", "*3\r\n:1\r\n*1\r\n+x\r\n$1\r\ny\r\n", []interface{}{int64(1), []interface{}{"x"}, []byte("y")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readReply(bufio.NewReader(strings.NewReader(tc.in)))
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestReadReplyMalformed(t *testing.T) {
	cases := map[string]string{
		"unknown type":      "?x\r\n",
		"no CR":             "+OK\n",
		"bad integer":       ":abc\r\n",
		"bad bulk length":   "$x\r\n",
		"negative bulk":     "$-5\r\n",
		"bulk missing CRLF": "$2\r\nabXY",
		"empty line":        "\r\n",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := readReply(bufio.NewReader(strings.NewReader(in)))
			var pe errProtocol
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a protocol error", err)
			}
		})
	}
	for name, in := range map[string]string{"truncated bulk": "$5\r\nhel", "truncated array": "*2\r\n:1\r\n", "nothing": ""} {
		t.Run(name, func(t *testing.T) {
			_, err := readReply(bufio.NewReader(strings.NewReader(in)))
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("got %v, want EOF", err)
			}
		})
	}
}

func TestRedisClientDialFailure(t *testing.T) {
	c := NewRedisClient(closedAddr(t))
	defer c.Close()
	if err := c.Ping(bgctx()); err == nil {
		t.Fatal("PING to a closed port succeeded")
	}
	c.Close()
	if err := c.Ping(bgctx()); err == nil {
		t.Fatal("PING on a closed client succeeded")
	}
}
