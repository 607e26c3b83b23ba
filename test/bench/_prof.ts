import { templateFigures } from './schedule-templates'
console.log(JSON.stringify(templateFigures(), null, 1))
