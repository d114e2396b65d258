import { LabIcon } from '@jupyterlab/ui-components';

/** Three linked nodes: a pipeline. */
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="5" cy="6" r="3"/><circle cx="19" cy="6" r="3"/><circle cx="12" cy="19" r="3"/>
    <path d="M6.2 8.4l4.6 8 1.7-1-4.6-8zM17.8 8.4l-4.6 8-1.7-1 4.6-8zM8 5h8v2H8z"/>
  </g>
</svg>`;

export const orchestraIcon = new LabIcon({ name: 'lo-jupyter:orchestra', svgstr: svg });
