// The raw engine's unit of work: a blank Worker that runs (input) => ({sum}) once.
self.onmessage = (e: MessageEvent) => {
  const input = e.data;
  self.postMessage({ sum: input.a + input.b });
};
