import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { startSubscription } from './stores/subscription';

const app = createApp(App);
app.use(createPinia());
startSubscription();
app.mount('#app');
