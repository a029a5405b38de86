package convert

import (
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// zstdWindow is the zstd window of the page compressor. Pages are cut at pageBufferSize, so a
// larger window (parquet-go's codec keeps zstd's 8 MiB default) finds nothing more to refer to
// and only costs memory: each pooled encoder's history buffer is about the window's size.
const zstdWindow = 1 << 20

// zstdCodec compresses pages with zstd at its default level and a window of zstdWindow.
type zstdCodec struct {
	encoders sync.Pool
	decoders sync.Pool
}

func (c *zstdCodec) String() string                            { return "ZSTD" }
func (c *zstdCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) {
	e, _ := c.encoders.Get().(*zstd.Encoder)
	if e == nil {
		var err error
		e, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault),
			zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false), zstd.WithWindowSize(zstdWindow), zstd.WithLowerEncoderMem(true))
		if err != nil {
			return dst, err
		}
	}
	out := e.EncodeAll(src, dst[:0])
	c.encoders.Put(e)
	return out, nil
}

func (c *zstdCodec) Decode(dst, src []byte) ([]byte, error) {
	d, _ := c.decoders.Get().(*zstd.Decoder)
	if d == nil {
		var err error
		if d, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1)); err != nil {
			return dst, err
		}
	}
	out, err := d.DecodeAll(src, dst[:0])
	c.decoders.Put(d)
	return out, err
}
