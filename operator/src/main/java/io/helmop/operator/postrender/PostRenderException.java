package io.helmop.operator.postrender;

/** A post-renderer of the spec cannot be applied; the message names the field, its value and what to do. */
public class PostRenderException extends Exception {
  public PostRenderException(String message) {
    super(message);
  }
}
