package io.helmop.operator.source;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body as an InputStream that gives up: after {@link SourceLimits#readTimeout()} without a byte, after
 * {@link SourceLimits#totalTimeout()} since the request, and past {@code maxBytes}. Written here because the JDK
 * client's own timeout ends at the response headers: its InputStream body blocks for ever on a server that sends
 * headers and then nothing. One buffer list is requested at a time, so a fast server cannot fill the heap.
 */
final class LimitedBody implements HttpResponse.BodySubscriber<InputStream> {
  private static final Object END = new Object();

  private final LinkedBlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
  private final String url;
  private final SourceLimits limits;
  private final long deadlineNanos;
  private final long maxBytes;
  private final String sizeFlag;
  private volatile Flow.Subscription subscription;

  private LimitedBody(String url, SourceLimits limits, long startNanos, long maxBytes, String sizeFlag) {
    this.url = url;
    this.limits = limits;
    this.deadlineNanos = startNanos + limits.totalTimeout().toNanos();
    this.maxBytes = maxBytes;
    this.sizeFlag = sizeFlag;
  }

  /**
   * @param url for messages, without user info
   * @param sizeFlag the flag that sets {@code maxBytes}, named when a body is larger
   */
  static HttpResponse.BodyHandler<InputStream> handler(String url, SourceLimits limits, long maxBytes,
      String sizeFlag) {
    long start = System.nanoTime();
    return info -> new LimitedBody(url, limits, start, maxBytes, sizeFlag);
  }

  @Override
  public CompletionStage<InputStream> getBody() {
    return CompletableFuture.completedFuture(new Stream());
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    s.request(1);
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    arrivals.add(buffers);
  }

  @Override
  public void onError(Throwable error) {
    arrivals.add(error);
  }

  @Override
  public void onComplete() {
    arrivals.add(END);
  }

  private void cancel() {
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
  }

  private final class Stream extends InputStream {
    private Iterator<ByteBuffer> pending = List.<ByteBuffer>of().iterator();
    private ByteBuffer current = ByteBuffer.allocate(0);
    private long read;
    private boolean ended;
    private boolean closed;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
      if (closed) {
        throw new IOException("closed");
      }
      if (length == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(length, current.remaining());
      current.get(into, offset, n);
      read += n;
      if (read > maxBytes) {
        close();
        throw SourceLimitExceeded.tooLarge(url, maxBytes, sizeFlag);
      }
      return n;
    }

    /** False at the end of the body. */
    @SuppressWarnings("unchecked")
    private boolean fill() throws IOException {
      while (!current.hasRemaining()) {
        if (pending.hasNext()) {
          current = pending.next();
          continue;
        }
        if (ended) {
          return false;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          close();
          throw SourceLimitExceeded.total(url, limits);
        }
        long idle = limits.readTimeout().toNanos();
        Object next;
        try {
          next = arrivals.poll(Math.min(idle, left), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          close();
          throw new IOException("interrupted while reading " + url, e);
        }
        if (next == null) {
          close();
          throw idle < left ? SourceLimitExceeded.idle(url, limits) : SourceLimitExceeded.total(url, limits);
        }
        if (next == END) {
          ended = true;
        } else if (next instanceof Throwable error) {
          ended = true;
          throw error instanceof IOException io ? io : new IOException(error);
        } else {
          pending = ((List<ByteBuffer>) next).iterator();
          subscription.request(1);
        }
      }
      return true;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        cancel();
      }
    }
  }
}
