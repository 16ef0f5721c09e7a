/// <reference lib="dom" />
import { PAGE_DATA_ID, type PageData } from '../page-data.ts';
import { mountApp } from './app.ts';

const data = JSON.parse(document.getElementById(PAGE_DATA_ID)?.textContent ?? '{"runs":[],"charts":[]}') as PageData;
const root = document.getElementById('app')!;
if (data.runs.length === 0) root.textContent = 'This page carries no run.';
else mountApp(root, data);
