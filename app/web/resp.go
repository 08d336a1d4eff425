package main

// A small Redis client speaking RESP2 over TCP: enough for PING and EVAL, with a pool of
// idle connections, dial/IO timeouts and reconnection after Redis restarts. The Go module
// proxy is unreachable where this app is built, so go-redis is not an option.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// RedisError is an error reply sent by the server ("-ERR ...").
type RedisError string

func (e RedisError) Error() string { return "redis: " + string(e) }

// ErrNil is returned by the typed helpers when the server answers a null reply.
var ErrNil = errors.New("redis: nil reply")

// errProtocol marks a malformed reply; the connection is dropped when it happens.
type errProtocol string

func (e errProtocol) Error() string { return "redis: protocol error: " + string(e) }

// maxBulkLen bounds the size of a bulk string we accept (512 MB is Redis's own limit).
const maxBulkLen = 512 << 20

// writeCommand encodes args as a RESP array of bulk strings.
func writeCommand(w *bufio.Writer, args ...string) error {
	w.WriteByte('*')
	w.WriteString(strconv.Itoa(len(args)))
	w.WriteString("\r\n")
	for _, a := range args {
		w.WriteByte('$')
		w.WriteString(strconv.Itoa(len(a)))
		w.WriteString("\r\n")
		w.WriteString(a)
		w.WriteString("\r\n")
	}
	return w.Flush()
}

// readLine reads one CRLF-terminated line without its terminator.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return "", errProtocol(fmt.Sprintf("line not terminated by CRLF: %q", line))
	}
	return line[:len(line)-2], nil
}

// readReply decodes one RESP2 reply. Simple strings come back as string, integers as int64,
// bulk strings as []byte (nil for the null bulk string), arrays as []interface{} (nil for the
// null array), error replies as a RedisError value (not as the returned error, which is kept
// for I/O and protocol failures).
func readReply(r *bufio.Reader) (interface{}, error) {
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	if line == "" {
		return nil, errProtocol("empty reply line")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return RedisError(line[1:]), nil
	case ':':
		n, err := strconv.ParseInt(line[1:], 10, 64)
		if err != nil {
			return nil, errProtocol("bad integer " + strconv.Quote(line[1:]))
		}
		return n, nil
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < -1 || n > maxBulkLen {
			return nil, errProtocol("bad bulk length " + strconv.Quote(line[1:]))
		}
		if n == -1 {
			return []byte(nil), nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return nil, errProtocol("bulk string not terminated by CRLF")
		}
		return buf[:n], nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < -1 || n > 1<<20 {
			return nil, errProtocol("bad array length " + strconv.Quote(line[1:]))
		}
		if n == -1 {
			return []interface{}(nil), nil
		}
		items := make([]interface{}, n)
		for i := range items {
			if items[i], err = readReply(r); err != nil {
				return nil, err
			}
		}
		return items, nil
	default:
		return nil, errProtocol("unknown reply type " + strconv.Quote(line[:1]))
	}
}

type redisConn struct {
	nc net.Conn
	cr *countingReader
	br *bufio.Reader
	bw *bufio.Writer
}

// countingReader counts the bytes read from the connection, to tell whether any part of a
// reply arrived before a failure.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// RedisClient is safe for concurrent use. A connection that fails is closed and never reused,
// so the client reconnects by itself once Redis is back.
type RedisClient struct {
	Addr        string
	DialTimeout time.Duration
	IOTimeout   time.Duration
	MaxIdle     int

	mu     sync.Mutex
	idle   []*redisConn
	closed bool
}

// NewRedisClient returns a client for addr ("host:port"); it dials lazily.
func NewRedisClient(addr string) *RedisClient {
	return &RedisClient{Addr: addr, DialTimeout: 2 * time.Second, IOTimeout: 2 * time.Second, MaxIdle: 16}
}

// get returns an idle connection (reused=true) or, when there is none or fresh is set, a
// newly dialled one.
func (c *RedisClient) get(ctx context.Context, fresh bool) (*redisConn, bool, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, false, errors.New("redis: client closed")
	}
	if n := len(c.idle); n > 0 && !fresh {
		cn := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return cn, true, nil
	}
	c.mu.Unlock()
	d := net.Dialer{Timeout: c.DialTimeout}
	nc, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return nil, false, err
	}
	cr := &countingReader{r: nc}
	return &redisConn{nc: nc, cr: cr, br: bufio.NewReader(cr), bw: bufio.NewWriter(nc)}, false, nil
}

func (c *RedisClient) put(cn *redisConn) {
	c.mu.Lock()
	if !c.closed && len(c.idle) < c.MaxIdle {
		c.idle = append(c.idle, cn)
		cn = nil
	}
	c.mu.Unlock()
	if cn != nil {
		cn.nc.Close()
	}
}

// dropIdle closes every idle connection: after one was found dead (Redis restarted), the
// others opened before are dead too.
func (c *RedisClient) dropIdle() {
	c.mu.Lock()
	idle := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, cn := range idle {
		cn.nc.Close()
	}
}

// Close closes the idle connections; later calls fail.
func (c *RedisClient) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.dropIdle()
	return nil
}

// staleConnError tells whether err shows that a pooled connection was already dead before
// our command reached Redis: the server closed it (restart, idle timeout) and nothing of a
// reply was read. Only then is the command retried on a fresh connection, so a command that
// Redis may have executed is never sent twice.
func staleConnError(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// Do sends one command and returns its reply (see readReply for the types). An error reply
// from Redis is returned as a RedisError error.
func (c *RedisClient) Do(ctx context.Context, args ...string) (interface{}, error) {
	for attempt := 0; ; attempt++ {
		cn, reused, err := c.get(ctx, attempt > 0)
		if err != nil {
			return nil, err
		}
		deadline := time.Now().Add(c.IOTimeout)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		cn.nc.SetDeadline(deadline)
		readBefore := cn.cr.n
		err = writeCommand(cn.bw, args...)
		var reply interface{}
		if err == nil {
			reply, err = readReply(cn.br)
		}
		if err != nil {
			cn.nc.Close()
			if reused && attempt == 0 && cn.cr.n == readBefore && staleConnError(err) {
				c.dropIdle()
				continue
			}
			return nil, err
		}
		c.put(cn)
		if rerr, ok := reply.(RedisError); ok {
			return nil, rerr
		}
		return reply, nil
	}
}

// Ping checks that Redis answers.
func (c *RedisClient) Ping(ctx context.Context) error {
	reply, err := c.Do(ctx, "PING")
	if err != nil {
		return err
	}
	if s, ok := reply.(string); !ok || s != "PONG" {
		return errProtocol(fmt.Sprintf("unexpected PING reply %v", reply))
	}
	return nil
}

// Int runs a command whose reply is an integer.
func (c *RedisClient) Int(ctx context.Context, args ...string) (int64, error) {
	reply, err := c.Do(ctx, args...)
	if err != nil {
		return 0, err
	}
	switch v := reply.(type) {
	case int64:
		return v, nil
	case []byte:
		if v == nil {
			return 0, ErrNil
		}
		return strconv.ParseInt(string(v), 10, 64)
	default:
		return 0, errProtocol(fmt.Sprintf("expected an integer reply, got %T", reply))
	}
}

// countScript increments the visit counter and starts its window on the first visit, in one
// atomic step on the server: concurrent requests never lose an increment, and a counter can
// never be left without an expiry (which INCR followed by a separate EXPIRE could do if the
// app died between the two). It also heals a counter that has no expiry (TTL -1).
const countScript = `local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('TTL', KEYS[1]) == -1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return n`

// CountVisit increments the counter of key, whose window lasts window, and returns the new count.
func (c *RedisClient) CountVisit(ctx context.Context, key string, window time.Duration) (int64, error) {
	secs := int64(window / time.Second)
	if secs < 1 {
		secs = 1
	}
	return c.Int(ctx, "EVAL", countScript, "1", key, strconv.FormatInt(secs, 10))
}
