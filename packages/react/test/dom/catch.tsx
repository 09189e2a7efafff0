import { Component } from "react";
import type { ReactNode } from "react";

/** A minimal error boundary: renders nothing once a child threw. */
export class Catch extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  override render(): ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}
