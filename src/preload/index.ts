/**
 * The preload exposes the typed console API (one function per call, never ipcRenderer)
 * once the contract in src/shared exists; today it exposes only the app version.
 */
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('sluice', Object.freeze({ version: '0.1.0' }));
