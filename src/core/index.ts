export * from './kubeconfig/summary.js';
