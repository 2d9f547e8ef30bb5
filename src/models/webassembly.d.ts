// The part of the WebAssembly JavaScript API the models' kernels use (Node's @types for v20 omit it).
declare namespace WebAssembly {
  interface Memory {
    readonly buffer: ArrayBufferLike;
    grow(deltaPages: number): number;
  }
  const Memory: {
    new (descriptor: { initial: number; maximum?: number; shared?: boolean }): Memory;
  };
  type Module = object;
  const Module: { new (bytes: Uint8Array<ArrayBuffer>): Module };
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  const Instance: {
    new (module: Module, imports: Record<string, Record<string, unknown>>): Instance;
  };
}
