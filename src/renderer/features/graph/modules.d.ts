// Layout and export extensions ship no type definitions; both register themselves through cytoscape.use().
declare module 'cytoscape-fcose' {
  const ext: (cy: unknown) => void;
  export default ext;
}
declare module 'cytoscape-svg' {
  const ext: (cy: unknown) => void;
  export default ext;
}
